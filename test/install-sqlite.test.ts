// scripts/install-sqlite.mjs (run by `prepare`, so by `npm ci`): what a machine that cannot build
// better-sqlite3 is told. Each case runs the real script on a copy of the real better-sqlite3
// package (its build removed), with the real prebuild-install and node-gyp; downloads are pointed at
// a closed loopback port, so the result is the same with or without internet.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTmpDir, type TmpDir } from './helpers/tmp.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(repo, 'scripts', 'install-sqlite.mjs');
const CLOSED = 'http://127.0.0.1:9'; // discard port: connection refused
const npmNodeGyp = join(spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');

/** node_modules with a fresh copy of better-sqlite3 (no build/) and every other package linked. */
function unbuiltProject(tmp: TmpDir): string {
  const modules = tmp.file('node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(repo, 'node_modules'))) {
    if (name === 'better-sqlite3' || name.startsWith('.')) continue;
    symlinkSync(join(repo, 'node_modules', name), join(modules, name));
  }
  const pkg = join(modules, 'better-sqlite3');
  cpSync(join(repo, 'node_modules', 'better-sqlite3'), pkg, { recursive: true });
  rmSync(join(pkg, 'build'), { recursive: true, force: true });
  return pkg;
}

function hermeticEnv(tmp: TmpDir, path: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: path,
    HOME: tmp.file('home'),
    npm_config_better_sqlite3_binary_host: CLOSED, // prebuild-install's mirror setting
    npm_config_disturl: CLOSED, // node-gyp's headers download
    npm_config_devdir: tmp.file('gyp-cache'), // no headers cached from earlier builds
    npm_config_node_gyp: npmNodeGyp, // as npm sets it for lifecycle scripts
  };
  return env;
}

test('no C++ compiler, make or python3: the message names each and how to install them, no node-gyp stack', async () => {
  const tmp = await makeTmpDir('install-sqlite-tools');
  try {
    const pkg = unbuiltProject(tmp);
    const bin = tmp.file('bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = spawnSync(process.execPath, [script, '--package-dir', pkg], { encoding: 'utf8', env: hermeticEnv(tmp, bin), timeout: 60_000 });
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /better-sqlite3 \(the job store\) could not be installed/);
    assert.match(r.stderr, /No prebuilt binary could be downloaded for linux-x64, Node v\d+\.\d+\.\d+ \(.*ECONNREFUSED.*\)/);
    assert.match(r.stderr, /lacks: a C\+\+ compiler \(g\+\+ or clang\+\+\), make, python3\./);
    assert.match(r.stderr, /apt-get install g\+\+ make python3/);
    assert.not.match(r.stderr, /gyp ERR!|\n\s+at /, 'no node-gyp output or stack');
  } finally {
    await tmp.cleanup();
  }
});

test("Node's headers neither next to node nor downloadable: the message says where they were looked for and what to install", async () => {
  const tmp = await makeTmpDir('install-sqlite-headers');
  try {
    const pkg = unbuiltProject(tmp);
    // A node whose prefix has no include/node (as a copied or hand-built binary would).
    const prefix = tmp.file('bare-node');
    mkdirSync(join(prefix, 'bin'), { recursive: true });
    copyFileSync(process.execPath, join(prefix, 'bin', 'node'));
    const node = join(prefix, 'bin', 'node');
    const r = spawnSync(node, [script, '--package-dir', pkg], { encoding: 'utf8', env: hermeticEnv(tmp, process.env.PATH!), timeout: 120_000 });
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`Node's headers for ${process.version.replace(/\./g, '\\.')} are not installed next to node \\(${prefix}/include/node\\)`));
    assert.match(r.stderr, /set npm_config_nodedir to the folder that holds include\/node/);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack');
  } finally {
    await tmp.cleanup();
  }
});

test('an add-on that already loads is left alone: the script exits 0 at once and prints nothing', () => {
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, npm_config_better_sqlite3_binary_host: CLOSED } });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout + r.stderr, '');
});

test.run();
