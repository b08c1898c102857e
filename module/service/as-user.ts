#!/usr/bin/env node
// `node as-user.js <uid> <gid> <user> <script.js> [args…]`, started by root: becomes the user (the
// user's supplementary groups, then gid, then uid — real, effective and saved ids, like setpriv
// --reuid --regid --init-groups) and runs the script in this process. It is how an administrator
// runs code against another user's state dir (module/service/all-users.ts): that user's service or
// the read-only store peek run with the user's rights, so every file they create, rename or delete
// is the user's doing, and nothing the user controls is parsed with root's rights.
// Pure Node (process.initgroups/setgid/setuid), so it works where setpriv(1) does not exist (macOS).
import { pathToFileURL } from 'node:url';

const [uidText, gidText, user, script, ...rest] = process.argv.slice(2);
const uid = Number(uidText);
const gid = Number(gidText);
if (!script || !user || !Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0) {
  process.stderr.write('usage: as-user.js <uid> <gid> <user> <script.js> [args…]   (uid must not be 0)\n');
  process.exit(1);
}
try {
  try {
    (process as unknown as { initgroups(user: string, gid: number): void }).initgroups(user, gid);
  } catch {
    process.setgroups!([gid]); // an account NSS cannot resolve by name (a uid seen only in /proc): its primary group only
  }
  process.setgid!(gid);
  process.setuid!(uid);
} catch (e) {
  process.stderr.write(`as-user: cannot become ${user} (uid ${uid}, gid ${gid}): ${(e as Error).message}\n`);
  process.exit(1);
}
if (process.getuid!() !== uid || process.geteuid!() !== uid || process.getgid!() !== gid) {
  process.stderr.write(`as-user: still running with uid ${process.getuid!()}/${process.geteuid!()}; refusing to go on\n`);
  process.exit(1);
}
process.argv = [process.argv[0]!, script, ...rest];
await import(pathToFileURL(script).href);
