// Where the other users' job stores are, for an administrator (module/service/all-users.ts).
// There is no machine-wide queue in the portable engine (DESIGN §4: one service and one store per
// user), so an administrator finds the stores in two places:
//   1. running services: /proc/<pid>/cmdline of every `…/module/service/main.js [--state-dir DIR]`
//      (Linux), with the owner from /proc/<pid>/status — this finds state dirs moved with
//      BITS_JOB2_STATE_DIR or XDG_STATE_HOME while their service runs;
//   2. every account's default state dir, `<home>/.local/state/bits-job2` (getent passwd, else
//      /etc/passwd) — this finds stores whose service is not running.
// A candidate counts only when it is a real directory (not a symlink) owned by the uid it is
// attributed to: a user cannot make the administrator treat their directory as someone else's.
// Not found: a stopped service's store under a custom BITS_JOB2_STATE_DIR/XDG_STATE_HOME (nothing
// on the machine records it; README "Administrators").
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultStateDir } from '../common/paths.js';

export interface UserAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface UserStore {
  user: UserAccount;
  stateDir: string;
  /** The pid of a service seen running for it (a hint: the socket is what decides). */
  pid?: number;
}

/** Owner SID of a POSIX uid, as the engine records it (S-1-22-1-uid, Samba's form). */
export function ownerSidOf(uid: number): string {
  return `S-1-22-1-${uid}`;
}

/** The accounts of the machine (NSS through getent, so LDAP/SSSD users count; /etc/passwd without it). */
export function userAccounts(): UserAccount[] {
  let text: string;
  const r = spawnSync('getent', ['passwd'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0 && r.stdout) text = r.stdout;
  else {
    try {
      text = readFileSync('/etc/passwd', 'utf8');
    } catch {
      return [];
    }
  }
  const accounts: UserAccount[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || !f[0] || !f[5]) continue;
    accounts.push({ name: f[0], uid, gid, home: f[5] });
  }
  return accounts;
}

/** Every other user's store that can be found (see the top of this file); never the caller's own uid's. */
export function discoverUserStores(ownUid: number): UserStore[] {
  const accounts = userAccounts();
  const byUid = new Map<number, UserAccount>();
  for (const a of accounts) if (!byUid.has(a.uid)) byUid.set(a.uid, a);
  const found = new Map<string, UserStore>();
  const add = (user: UserAccount, dir: string, pid?: number): void => {
    const real = ownedDirectory(dir, user.uid);
    if (real && !found.has(real)) found.set(real, { user, stateDir: real, pid });
  };
  for (const svc of runningServices()) {
    if (svc.uid === ownUid) continue;
    add(byUid.get(svc.uid) ?? { name: String(svc.uid), uid: svc.uid, gid: svc.gid, home: '/' }, svc.stateDir, svc.pid);
  }
  for (const a of accounts) {
    if (a.uid === ownUid || !a.home.startsWith('/')) continue;
    add(a, join(a.home, '.local', 'state', 'bits-job2'));
  }
  return [...found.values()].sort((x, y) => x.user.uid - y.user.uid || x.stateDir.localeCompare(y.stateDir));
}

/** `dir` resolved, when it is a directory (not a symlink) owned by `uid`; else undefined. */
function ownedDirectory(dir: string, uid: number): string | undefined {
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== uid) return undefined;
    return realpathSync(dir);
  } catch {
    return undefined;
  }
}

interface RunningService {
  pid: number;
  uid: number;
  gid: number;
  stateDir: string;
}

/** Linux: the bits-job2 services running now, from /proc (elsewhere: none; the passwd scan remains). */
export function runningServices(): RunningService[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const out: RunningService[] = [];
  for (const p of pids) {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      const main = argv.findIndex((a) => /[/\\]module[/\\]service[/\\]main\.js$/.test(a));
      if (main < 0) continue;
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      const gid = Number(/^Gid:\s+(\d+)/m.exec(status)?.[1]);
      if (!Number.isInteger(uid)) continue;
      let stateDir: string | undefined;
      for (let i = main + 1; i < argv.length; i++) {
        if (argv[i] === '--state-dir') stateDir = argv[i + 1];
        else if (argv[i]!.startsWith('--state-dir=')) stateDir = argv[i]!.slice('--state-dir='.length);
      }
      if (!stateDir) stateDir = defaultStateDir(environOf(p));
      const cwd = safeCwd(p);
      out.push({ pid: Number(p), uid, gid, stateDir: resolve(cwd, stateDir) });
    } catch {
      // the process ended while we looked, or is not readable: skip it
    }
  }
  return out;
}

function environOf(pid: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

function safeCwd(pid: string): string {
  try {
    return realpathSync(`/proc/${pid}/cwd`);
  } catch {
    return '/';
  }
}
