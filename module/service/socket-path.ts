// Where the per-user service listens (DESIGN §4 "Service"). The client and the service compute the
// address from the state directory alone, so they meet without any other configuration.
import { createHash } from 'node:crypto';
import { posix, win32 } from 'node:path';
import { bitsError } from '../api/bits-error.js';

/**
 * sun_path is 108 bytes on Linux (104 on macOS/BSD) including the terminating NUL; Node reports a
 * longer path only as a bare EINVAL/ENAMETOOLONG at connect time, so we refuse it up front with the fix.
 */
export const MAX_UNIX_SOCKET_PATH_BYTES = 107;

/**
 * `<stateDir>/service.sock` on POSIX; on Windows a named pipe (pipes live in their own namespace, not
 * in the directory) whose name is derived from the state directory so that each state dir has its own service.
 */
export function socketPath(stateDir: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    // Windows paths are case-insensitive: C:\X and c:\x are the same state dir, hence one pipe.
    const dir = win32.resolve(stateDir).toLowerCase();
    const digest = createHash('sha256').update(dir, 'utf8').digest('hex').slice(0, 24);
    return `\\\\.\\pipe\\bits-job2-${digest}`;
  }
  const p = posix.join(posix.resolve(stateDir), 'service.sock');
  const bytes = Buffer.byteLength(p, 'utf8');
  if (bytes > MAX_UNIX_SOCKET_PATH_BYTES) {
    throw bitsError(
      0x80070057,
      `The service socket path '${p}' is ${bytes} bytes long; Unix domain sockets allow at most ${MAX_UNIX_SOCKET_PATH_BYTES}. ` +
        'Set BITS_JOB2_STATE_DIR to a shorter directory (for example ~/.bits-job2).',
    );
  }
  return p;
}
