// doctor: this machine's side — Node, the SQLite add-on, the state directory, the store and the
// clock (a store written "in the future" means the clock went back: retry and timeout times shift).
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BitsError } from '../../api/bits-error.js';
import { storePath } from '../../common/paths.js';
import { assertSqliteAddonLoads } from '../../common/sqlite-addon.js';
import { fail, ok, warn, type CheckResult } from './check.js';

const NEEDED_NODE = [20, 19] as const;
/** Store times this far ahead of the clock are a clock that went back, not rounding. */
const CLOCK_SLACK_MS = 5 * 60_000;
const SALVAGE_FIX = 'Start the service (any bits-job2 command): it moves the file aside, keeps every job it can read and logs what it lost in service.log.';

export function checkNode(version = process.version): CheckResult {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const enough = major > NEEDED_NODE[0] || (major === NEEDED_NODE[0] && minor >= NEEDED_NODE[1]);
  return enough
    ? ok('node', `${version} (${process.platform}-${process.arch})`)
    : fail('node', `${version} is older than the ${NEEDED_NODE.join('.')} bits-job2 needs`, 'Install Node.js 20.19 or newer (BITS_JOB2_NODE points the PowerShell module at it).');
}

export function checkSqliteAddon(): CheckResult {
  try {
    assertSqliteAddonLoads();
    return ok('sqlite', 'better-sqlite3 loads into this Node');
  } catch (e) {
    return fail('sqlite', BitsError.from(e).message, 'Run the command the message names; the service cannot start without the add-on.');
  }
}

export function checkStateDir(dir: string, uid = process.getuid?.()): CheckResult {
  if (!existsSync(dir)) return ok('state-dir', `${dir} does not exist yet (the service creates it, 0700, on first use)`);
  const st = statSync(dir);
  if (!st.isDirectory()) return fail('state-dir', `${dir} is not a directory`, 'Move it away or point BITS_JOB2_STATE_DIR elsewhere.');
  if (process.platform === 'win32') return ok('state-dir', dir);
  if (uid !== undefined && st.uid !== uid) return fail('state-dir', `${dir} belongs to uid ${st.uid}, not to you (uid ${uid})`, 'Each user has a state directory of their own: unset BITS_JOB2_STATE_DIR or chown it.');
  const mode = st.mode & 0o777;
  if (mode & 0o077) return fail('state-dir', `${dir} is mode ${mode.toString(8)}: other users can reach your jobs and the key that seals their passwords`, `chmod 700 ${dir}`);
  return ok('state-dir', `${dir} (mode 700, yours)`);
}

/** Opens the store read-only: never the salvage path, which would move a damaged file aside. */
export function checkStore(dir: string, now = Date.now()): CheckResult[] {
  const path = storePath(dir);
  if (!existsSync(path)) return [ok('store', `${path} does not exist yet (no job was ever created)`)];
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const problems = (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).filter((m) => m !== 'ok');
    if (problems.length) {
      return [fail('store', `${path} is damaged: ${problems.slice(0, 2).join('; ')}`, SALVAGE_FIX)];
    }
    // modified_at: milliseconds since the epoch (store.ts).
    const facts = db.prepare('SELECT COUNT(*) AS jobs, MAX(modified_at) AS newest FROM jobs').get() as { jobs: number; newest: number | null };
    const newest = facts.newest ?? NaN;
    const results = [ok('store', `${path}: ${facts.jobs} job(s), quick_check ok`)];
    if (Number.isFinite(newest) && newest > now + CLOCK_SLACK_MS) {
      results.push(warn('clock', `a job was modified at ${new Date(newest).toISOString()}, ${Math.round((newest - now) / 60_000)} min after this clock's now: the clock went back`, 'Check the time (timedatectl, w32tm /query /status); retry and timeout times of queued jobs are measured against it.'));
    } else {
      results.push(ok('clock', `${new Date(now).toISOString()} (no job was modified after it)`));
    }
    return results;
  } catch (e) {
    return [fail('store', `${path} cannot be read: ${(e as Error).message}`, SALVAGE_FIX)];
  } finally {
    db?.close();
  }
}
