// doctor: does a service answer for the state directory — asked over its socket, never started.
import { isProcessAlive, readLock } from '../../service/lock.js';
import { serviceStatus } from '../../service/control.js';
import { fail, ok, type CheckResult } from './check.js';

export async function checkService(dir: string): Promise<CheckResult> {
  let status;
  try {
    status = await serviceStatus(dir);
  } catch (e) {
    return fail('service', (e as Error).message, 'Use a shorter state directory path (the socket path must fit).');
  }
  if (status.running) return ok('service', `running, pid ${status.pid}${status.version ? `, version ${status.version}` : ''}, socket ${status.socketPath}`);
  const lock = readLock(dir);
  if (lock && isProcessAlive(lock.pid)) {
    return fail('service', `pid ${lock.pid} holds the service lock of ${dir} but does not answer on ${status.socketPath}`, "It is hung or busy: `bits-job2 service stop` ends it (SIGTERM, then SIGKILL); jobs resume from their checkpoints.");
  }
  return ok('service', 'not running: the first bits-job2 command starts it (`bits-job2 service start` now)');
}
