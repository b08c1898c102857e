// Per-user directories of the portable engine and its service (DESIGN §4): state (SQLite store,
// key file, logs) and the socket. Both 0700. BITS_JOB2_STATE_DIR overrides (tests, several users).
import { mkdirSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BITS_JOB2_STATE_DIR) return env.BITS_JOB2_STATE_DIR;
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'bits-job2');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'bits-job2');
}

/** Creates `dir` (and parents) and makes it private to the user. */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(dir, 0o700);
  return dir;
}

export function storePath(stateDir: string): string {
  return join(stateDir, 'jobs.sqlite');
}
export function logPath(stateDir: string): string {
  return join(stateDir, 'service.log');
}
