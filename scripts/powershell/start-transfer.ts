// Start-BitsJob2Transfer: the synchronous one-liner PowerShell users know from Start-BitsTransfer
// (-Source, -Destination, -TransferType, -DisplayName, -Description, -Priority, -Credential with
// -Authentication, -RetryInterval, -RetryTimeout, -Asynchronous), composed of the module's own
// cmdlets — New → Add-File → Set → Set-Credential → Resume → Wait (progress bar, the wait rule of
// module/api/wait-rule.ts) → Complete — so it adds no CLI surface. A step that fails before Resume
// removes the half-built job; a job that ends in ERROR is left for inspection, as `bits-job2 transfer` does.
import { AuthScheme, JobPriority, JobType } from '../../module/api/enums.js';
import { OPERATIONS } from '../../module/api/operations.js';
import type { PsCommand, PsParam } from './ps-params.js';

const none = { kind: 'none' } as const;

/** `jobTypeName`: the type name of job objects (model.ts passes it, so this file imports no values from there). */
export function startTransferCommand(jobTypeName: string): PsCommand {
  const createJob = OPERATIONS.find((o) => o.name === 'createJob')!;
  const extras: PsParam[] = [
    { name: 'Source', type: 'string[]', mandatory: true, position: 0, help: 'Downloads: the URLs (http/https). Uploads: the local file (one). Several sources need as many destinations.', emit: none },
    { name: 'Destination', type: 'string[]', mandatory: false, position: 1, help: 'Downloads: the local paths (relative ones from the current location; default: the current location with the file name of each URL). Uploads: the URL.', emit: none },
    { name: 'TransferType', type: 'string', mandatory: false, validateSet: Object.keys(JobType), defaultValue: 'DOWNLOAD', psDefault: "'DOWNLOAD'", help: 'DOWNLOAD, UPLOAD or UPLOAD_REPLY. Default: DOWNLOAD.', emit: none },
    { name: 'DisplayName', type: 'string', mandatory: false, defaultValue: 'BITS Transfer', psDefault: "'BITS Transfer'", help: 'The job\'s display name. Default: BITS Transfer (as Start-BitsTransfer).', emit: none },
    { name: 'Description', type: 'string', mandatory: false, help: 'The job\'s description.', emit: none },
    { name: 'Priority', type: 'string', mandatory: false, validateSet: Object.keys(JobPriority), defaultValue: 'FOREGROUND', psDefault: "'FOREGROUND'", help: 'FOREGROUND (default, as Start-BitsTransfer), HIGH, NORMAL or LOW.', emit: none },
    { name: 'Credential', type: 'System.Management.Automation.PSCredential', mandatory: false, help: 'Server credentials; the password reaches the CLI on stdin, never as an argument.', emit: none },
    { name: 'Authentication', type: 'string', mandatory: false, validateSet: Object.keys(AuthScheme), defaultValue: 'BASIC', psDefault: "'BASIC'", help: 'The scheme of -Credential: BASIC (default), DIGEST, NTLM, NEGOTIATE (Windows BITS), PASSPORT.', emit: none },
    { name: 'RetryInterval', type: 'uint32', mandatory: false, help: 'Seconds between retries after a transient error (BITS minimum retry delay).', emit: none },
    { name: 'RetryTimeout', type: 'uint32', mandatory: false, help: 'Seconds of transient errors without progress before the job goes to ERROR (BITS no-progress timeout).', emit: none },
    { name: 'Asynchronous', type: 'switch', mandatory: false, help: 'Return the job right after Resume; finish it later with Wait-BitsJob2 and Complete-BitsJob2.', emit: none },
  ];
  const body = `    process {
        $sources = @($Source)
        $download = $TransferType -eq 'DOWNLOAD'
        $destinations = @()
        if ($PSBoundParameters.ContainsKey('Destination')) { $destinations = @($Destination) }
        elseif ($download) {
            # As Start-BitsTransfer: the current location, under the file name of each URL.
            foreach ($url in $sources) { $destinations += [System.IO.Path]::GetFileName(([System.Uri]$url).AbsolutePath) }
        }
        if ($destinations.Count -ne $sources.Count) {
            $message = 'Bits.Job2: give one -Destination per -Source (' + $sources.Count + ' sources, ' + $destinations.Count + ' destinations); uploads need the URL as -Destination.'
            $PSCmdlet.ThrowTerminatingError((New-BitsJob2SimpleErrorRecord $message 'BitsJob2SourceDestinationMismatch' ([System.Management.Automation.ErrorCategory]::InvalidArgument) $null))
        }
        if (-not $PSCmdlet.ShouldProcess(($sources -join ', '), 'Start a BITS ' + $TransferType + ' transfer (bits-job2 create, add-file, resume)')) { return }
        $job = New-BitsJob2 -DisplayName $DisplayName -TransferType $TransferType -Confirm:$false -ErrorAction Stop
        try {
            for ($i = 0; $i -lt $sources.Count; $i++) {
                if ($download) { $remote = $sources[$i]; $local = $destinations[$i] } else { $remote = $destinations[$i]; $local = $sources[$i] }
                Add-BitsJob2File -JobId $job.JobId -RemoteName $remote -LocalName $PSCmdlet.GetUnresolvedProviderPathFromPSPath($local) -Confirm:$false -ErrorAction Stop
            }
            $settings = @{ Priority = $Priority }
            if ($PSBoundParameters.ContainsKey('Description')) { $settings.Description = $Description }
            if ($PSBoundParameters.ContainsKey('RetryInterval')) { $settings.RetryInterval = $RetryInterval }
            if ($PSBoundParameters.ContainsKey('RetryTimeout')) { $settings.RetryTimeout = $RetryTimeout }
            Set-BitsJob2 -JobId $job.JobId @settings -Confirm:$false -ErrorAction Stop
            if ($null -ne $Credential) { Set-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme $Authentication -Credential $Credential -Confirm:$false -ErrorAction Stop }
            Resume-BitsJob2 -JobId $job.JobId -Confirm:$false -ErrorAction Stop
        } catch {
            # Not started: leave no half-built job behind.
            Remove-BitsJob2 -JobId $job.JobId -Confirm:$false -ErrorAction SilentlyContinue
            $PSCmdlet.WriteError($_)
            return
        }
        if ($Asynchronous) {
            $PSCmdlet.WriteObject((Get-BitsJob2 -JobId $job.JobId -ErrorAction Stop))
            return
        }
        try {
            $null = Wait-BitsJob2 -JobId $job.JobId -State TRANSFERRED -ErrorAction Stop
            Complete-BitsJob2 -JobId $job.JobId -Confirm:$false -ErrorAction Stop
        } catch {
            # In ERROR: the job stays for inspection (Get-BitsJob2), fix and Resume-BitsJob2, or Remove-BitsJob2.
            $PSCmdlet.WriteError($_)
            return
        }
        $PSCmdlet.WriteObject((Get-BitsJob2 -JobId $job.JobId -ErrorAction Stop))
    }
`;
  return {
    name: 'Start-BitsJob2Transfer',
    verb: 'Start',
    noun: 'BitsJob2Transfer',
    shouldProcess: true,
    synopsis: 'Transfers files in one command, as Start-BitsTransfer: creates the job, adds the files, waits with a progress bar and completes it.',
    description: 'Synchronous by default: returns the ACKNOWLEDGED job once its files are published, or an ErrorRecord with the BITS error as soon as the job goes to ERROR (the job is then left for inspection). -Asynchronous returns the job right after Resume. Relative destinations are resolved from the current PowerShell location. Resume-BitsJob2 stays asynchronous, as IBackgroundCopyJob::Resume is: logon scripts resume and return at once.',
    sets: [{ name: '__AllParameterSets', op: createJob, params: [], typeName: jobTypeName, emitsByDefault: true }],
    extras,
    examples: [
      { code: 'Start-BitsJob2Transfer -Source https://example.com/report.pdf -Destination C:\\data\\report.pdf', text: 'Download a file and wait for it (progress bar).' },
      { code: 'Start-BitsJob2Transfer https://example.com/a.iso, https://example.com/b.iso -Priority NORMAL', text: 'Two files into the current location, in the background priority.' },
      { code: "$job = Start-BitsJob2Transfer -Source C:\\logs\\app.zip -Destination https://server/uploads/app.zip -TransferType UPLOAD_REPLY -Asynchronous\nWait-BitsJob2 -JobId $job.JobId -State TRANSFERRED; Get-BitsJob2ReplyData -JobId $job.JobId -AsString", text: 'Start an upload-reply job, wait for it later, read the reply.' },
    ],
    notes: 'Composition over: New-BitsJob2, Add-BitsJob2File, Set-BitsJob2, Set-BitsJob2Credential, Resume-BitsJob2, Wait-BitsJob2, Complete-BitsJob2 (bits-job2 create, add-file, set, set-credentials, resume, info, complete).',
    body,
  };
}
