// Wait-BitsJob2: a cmdlet composed over `bits-job2 info --clixml` (polled until the job reaches one
// of -State, with Write-Progress and the wait rule of module/api/wait-rule.ts). Not a wrapper of
// `bits-job2 wait`: that command reports progress as text on stderr, the cmdlet as progress records
// of its own, each poll's job object at hand. Its own source, as start-transfer.ts: the generator
// (model.ts) adds it to the cmdlets of the description.
import { JobState } from '../../module/api/enums.js';
import { operation } from '../../module/api/operations.js';
import { WAIT_RULE } from '../../module/api/wait-rule.js';
import { JOB_TYPE_NAME, inputObjectPrelude, psParamOf, withInputObjectSet, type PsCommand, type PsParam } from './ps-params.js';

const WAIT_STATES = ['TRANSFERRED', 'ERROR', 'ACKNOWLEDGED', 'CANCELLED'];

export function waitCommand(): PsCommand {
  const getJob = operation('getJob');
  const jobId = psParamOf(getJob.params[0]!, 0);
  const extras: PsParam[] = [
    { name: 'State', type: 'string[]', mandatory: false, validateSet: Object.keys(JobState), defaultValue: WAIT_STATES.join(', '), help: `Return when the job is in one of these states. Default: ${WAIT_STATES.join(', ')}.`, emit: { kind: 'none' } },
    { name: 'Timeout', type: 'uint32', mandatory: false, defaultValue: '0', psDefault: '0', help: 'Give up after this many seconds with a BitsJob2WaitTimeout error (OperationTimeout); 0 waits forever. Default: 0.', emit: { kind: 'none' } },
    { name: 'PollInterval', type: 'uint32', mandatory: false, validateRange: [50, 60000], defaultValue: '500', psDefault: '500', help: 'Milliseconds between two polls of `bits-job2 info`. Default: 500.', emit: { kind: 'none' } },
  ];
  const states = WAIT_STATES.map((s) => `'${s}'`).join(', ');
  const sets = withInputObjectSet({ name: '__AllParameterSets', op: getJob, params: [jobId], typeName: JOB_TYPE_NAME, emitsByDefault: true }, true);
  const body = `    process {
${inputObjectPrelude(sets).map((l) => `        ${l}`).join('\n')}
        $wanted = $State
        if (-not $PSBoundParameters.ContainsKey('State')) { $wanted = @(${states}) }
        $started = [System.Diagnostics.Stopwatch]::StartNew()
        $activityId = [System.Math]::Abs($JobId.GetHashCode() % 1000000)
        $activity = 'Waiting for BITS job ' + $JobId
        try {
            while ($true) {
                $job = Invoke-BitsJob2Cli -Arguments @('info', [string]$JobId) -Cmdlet $PSCmdlet -TypeName 'BitsJob2.Job' -TargetObject $JobId
                if ($null -eq $job) { return }
                if ($wanted -contains [string]$job.state) {
                    $PSCmdlet.WriteObject($job)
                    return
                }
                # The rule of module/api/wait-rule.ts, as Node's waitFor and \`bits-job2 wait\` apply it.
                if ([string]$job.state -eq '${WAIT_RULE.errorState}') {
                    $PSCmdlet.WriteError((New-BitsJob2ErrorRecord $job.error $JobId))
                    return
                }
                if (@(${WAIT_RULE.finalStates.map((s) => `'${s}'`).join(', ')}) -contains [string]$job.state) {
                    $left = [pscustomobject]@{ hresult = ${0x80200002}; hresultHex = '0x80200002'; name = 'BG_E_INVALID_STATE'; message = 'The job ' + $JobId + ' reached ' + $job.state + ' while waiting for ' + ($wanted -join ' or ') + '.' }
                    $PSCmdlet.WriteError((New-BitsJob2ErrorRecord $left $JobId))
                    return
                }
                $status = [string]$job.state
                $record = [System.Management.Automation.ProgressRecord]::new($activityId, $activity, $status)
                $total = $job.progress.bytesTotal
                if ($null -ne $total -and $total -gt 0) {
                    $record.PercentComplete = [int][System.Math]::Min(100, [System.Math]::Floor(100 * $job.progress.bytesTransferred / $total))
                    $record.StatusDescription = $status + ': ' + $job.progress.bytesTransferred + ' of ' + $total + ' bytes'
                }
                $PSCmdlet.WriteProgress($record)
                if ($Timeout -gt 0 -and $started.Elapsed.TotalSeconds -ge $Timeout) {
                    $exception = [System.TimeoutException]::new('Job ' + $JobId + ' is still ' + $status + ' after ' + $Timeout + ' seconds.')
                    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new($exception, 'BitsJob2WaitTimeout', [System.Management.Automation.ErrorCategory]::OperationTimeout, $JobId))
                    return
                }
                [System.Threading.Thread]::Sleep([int]$PollInterval)
            }
        } finally {
            $done = [System.Management.Automation.ProgressRecord]::new($activityId, $activity, 'Done')
            $done.RecordType = [System.Management.Automation.ProgressRecordType]::Completed
            $PSCmdlet.WriteProgress($done)
        }
    }
`;
  return {
    name: 'Wait-BitsJob2',
    verb: 'Wait',
    noun: 'BitsJob2',
    shouldProcess: false,
    synopsis: 'Waits until a job reaches a final state (TRANSFERRED, ERROR, ACKNOWLEDGED or CANCELLED by default) and returns it.',
    description: `Polls \`bits-job2 info <job> --clixml\` every -PollInterval milliseconds, reports progress with Write-Progress semantics ($PSCmdlet.WriteProgress), and returns the job object once its state is one of -State. If the job goes to ${WAIT_RULE.errorState} and ${WAIT_RULE.errorState} is not one of -State, the wait ends at once with the job's error as an ErrorRecord (e.g. BG_E_HTTP_ERROR_404), as Node's waitFor() and \`bits-job2 wait\` do; a job that reached ${WAIT_RULE.finalStates.join(' or ')} meanwhile ends it with BG_E_INVALID_STATE. TRANSIENT_ERROR is not final: BITS retries after the retry delay.`,
    sets,
    extras,
    examples: [
      { code: "$job = New-BitsJob2 -DisplayName 'inventory' -TransferType UPLOAD_REPLY\nAdd-BitsJob2File -JobId $job.JobId -RemoteName https://server/upload -LocalName C:\\inventory.xml\nResume-BitsJob2 -JobId $job.JobId\nWait-BitsJob2 -JobId $job.JobId -Timeout 600", text: 'Upload a file and wait up to ten minutes for the reply.' },
      { code: 'Get-BitsJob2 | Wait-BitsJob2 -State TRANSFERRED, ERROR', text: 'Wait for every job in turn (the job objects bind to -InputObject by value).' },
      { code: "try { Wait-BitsJob2 -JobId $job.JobId -State TRANSFERRED -ErrorAction Stop | Out-Null; Complete-BitsJob2 -JobId $job.JobId }\ncatch { \"failed: $($_.FullyQualifiedErrorId)\" }", text: 'Wait for TRANSFERRED only: a 404 or 401 ends the wait at once with the job\'s error (e.g. BG_E_HTTP_ERROR_404,Wait-BitsJob2).' },
    ],
    notes: 'Composition over: bits-job2 info <job> --clixml (BITS: IBackgroundCopyManager::GetJob).',
    body,
  };
}

