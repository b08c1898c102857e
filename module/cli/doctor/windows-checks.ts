// doctor on Windows: is the BITS service usable, and is this an interactive logon (the cause of
// ERROR_NOT_LOGGED_ON 0x800704DD). The inputs are passed in, so the rules are tested everywhere.
import { fail, ok, warn, type CheckResult } from './check.js';

/** `sc query BITS` output → the service state (RUNNING, STOPPED, ...), or the failure. */
export function checkBitsService(scOutput: string | undefined): CheckResult {
  if (scOutput === undefined) return fail('bits-service', 'sc.exe query BITS could not be run', 'Run doctor in a normal Windows session.');
  const state = /STATE\s*:\s*\d+\s+(\w+)/.exec(scOutput)?.[1];
  if (!state) return fail('bits-service', `the BITS service was not found (${scOutput.trim().split('\n').pop()})`, 'BITS is part of Windows: repair it (sfc /scannow) or use BITS_JOB2_BACKEND=service.');
  if (state === 'RUNNING' || state === 'STOPPED') return ok('bits-service', `BITS is ${state} (it starts on demand)`);
  return warn('bits-service', `BITS is ${state}`, 'Start it (`sc.exe start BITS`) or check that it is not disabled by policy (ERROR_SERVICE_DISABLED).');
}

/**
 * SESSIONNAME is set for console and Remote Desktop logons and absent for services, scheduled tasks
 * running without a logon, WinRM remoting and SSH — where BITS jobs of the user fail with 0x800704DD.
 */
export function checkInteractiveSession(env: NodeJS.ProcessEnv): CheckResult {
  const session = env.SESSIONNAME;
  if (session) return ok('session', `interactive logon (${session}): BITS transfers this user's jobs`);
  return warn('session', 'not an interactive logon (no SESSIONNAME: a service, a scheduled task, remoting or SSH)', 'BITS transfers a user\'s jobs only while that user is logged on interactively (ERROR_NOT_LOGGED_ON, 0x800704DD): `bits-job2 explain 0x800704DD`.');
}
