// The service log, `<stateDir>/service.log` (0600). The service is detached with its stdio ignored,
// so this file is the only place its start, stop, client connections and failures are recorded.
// Synchronous appends: a few lines per client, and a line written just before a crash is not lost.
import { appendFileSync, renameSync, statSync } from 'node:fs';
import { logPath } from '../common/paths.js';

export type LogFn = (line: string) => void;

/** Past this size the log is moved to service.log.1 (one generation kept), checked at open and every 1000 lines. */
export const MAX_LOG_BYTES = 5 * 1024 * 1024;

export function fileLogger(stateDir: string, maxBytes = MAX_LOG_BYTES): LogFn {
  const path = logPath(stateDir);
  let lines = 0;
  const rotateIfLarge = (): void => {
    try {
      if (statSync(path).size > maxBytes) renameSync(path, path + '.1');
    } catch {
      /* no log yet */
    }
  };
  rotateIfLarge();
  return (line: string) => {
    if (++lines % 1000 === 0) rotateIfLarge();
    // One record per line: a message with newlines (a stack) is indented so the log stays greppable.
    const text = `${new Date().toISOString()} [${process.pid}] ${line.replace(/\r?\n/g, '\n    ')}\n`;
    try {
      appendFileSync(path, text, { mode: 0o600 });
    } catch {
      /* logging must never take the service down (disk full, dir removed) */
    }
  };
}
