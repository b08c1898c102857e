// better-sqlite3's native add-on, checked before any store file is touched. An add-on that does not
// load (never built, or built for another Node after an upgrade) throws from every `new Database`,
// and the store's damage check would read that as a damaged file and move a healthy store aside.
// Checking with an in-memory database first tells the two apart, and names the fix.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { bitsError } from '../api/bits-error.js';

/** "Server execution failed": the service cannot start; the CLI exits 6 (backend unavailable). */
const CO_E_SERVER_EXEC_FAILURE = 0x80080005;

let checked = false;

export function assertSqliteAddonLoads(): void {
  if (checked) return;
  try {
    new Database(':memory:').close();
    checked = true;
  } catch (e) {
    const reason = ((e as Error).message ?? String(e)).split('\n')[0]!.replace(/[\s.:]+$/, '');
    // This file is module/engine (ts) or dist/module/engine (js); the script ships in scripts/.
    const here = dirname(fileURLToPath(import.meta.url));
    const script = join(here, here.includes(`${join('dist', 'module')}`) ? '../../..' : '../..', 'scripts', 'install-sqlite.mjs');
    throw bitsError(
      CO_E_SERVER_EXEC_FAILURE,
      `The job store's SQLite add-on (better-sqlite3) does not load into Node ${process.version} (${process.platform}-${process.arch}): ${reason}. ` +
        `Build it with \`node ${script}\`, or reinstall with better-sqlite3's install script approved (package.json "allowScripts"). No job was touched.`,
    );
  }
}
