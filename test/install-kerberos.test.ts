// scripts/install-kerberos.mjs (run by `prepare`, so by `npm ci`): the GSSAPI add-on is optional.
// Each case runs the real script on a copy of the add-on's sources in a temp dir (the repo's own
// build is left alone): with MIT Kerberos' development files on PATH it compiles an add-on that
// loads (offline: the running Node's headers); without them it says what to install and exits 0
// — `npm ci` must pass on a machine without libkrb5-dev — unless --required (CI) makes it fail.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTmpDir } from './helpers/tmp.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = await makeTmpDir('bits-install-krb');
test.after(() => tmp.cleanup());

const copy = tmp.file('pkg');
mkdirSync(join(copy, 'scripts'), { recursive: true });
cpSync(join(repo, 'scripts', 'install-kerberos.mjs'), join(copy, 'scripts', 'install-kerberos.mjs'));
for (const f of ['binding.gyp', 'bits_gssapi.c']) cpSync(join(repo, 'module/common/gssapi', f), join(copy, 'module/common/gssapi', f), { recursive: true });
const built = join(copy, 'module/common/gssapi/build/Release/bits_gssapi.node');
mkdirSync(tmp.file('empty-bin'));

const run = (path: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(copy, 'scripts', 'install-kerberos.mjs'), ...args], { encoding: 'utf8', env: { PATH: path, HOME: tmp.file('home'), npm_config_disturl: 'http://127.0.0.1:9' } });

test('without MIT Kerberos development files (no krb5-config): a notice naming libkrb5-dev, exit 0; --required: exit 1', () => {
  const r = run(tmp.file('empty-bin'));
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /Kerberos support \(Negotiate with tickets\) was not built\.\nMIT Kerberos' development files are not installed \(no krb5-config on PATH\)\.\nEverything else works; to add it: Debian\/Ubuntu: apt-get install libkrb5-dev/);
  assert.not.ok(existsSync(built));
  assert.is(run(tmp.file('empty-bin'), '--required').status, 1);
});

test('with libkrb5-dev: compiles the add-on offline against this Node\'s headers, and it loads', () => {
  const r = run(process.env.PATH ?? '/usr/bin:/bin', '--required');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /Kerberos support built/);
  const probe = spawnSync(process.execPath, ['-e', `const g = require(${JSON.stringify(built)}); console.log(typeof g.acquire, typeof g.step, typeof g.cacheInfo)`], { encoding: 'utf8' });
  assert.is(probe.stdout.trim(), 'function function function', probe.stderr);
  assert.is(run(process.env.PATH ?? '/usr/bin:/bin').stderr, '', 'a second run leaves the loading add-on alone');
});

test.run();
