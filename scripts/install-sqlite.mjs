#!/usr/bin/env node
// Makes better-sqlite3's native add-on usable, the way its own install script would
// (`prebuild-install || node-gyp rebuild --release`), with two differences that matter on an
// offline machine:
//   1. node-gyp is pointed at the headers that the running Node ships next to itself
//      (<prefix>/include/node, with the prefix taken from process.execPath — Debian's /usr, an
//      official tarball's or nvm's folder), when their version is the running Node's. Without that,
//      node-gyp downloads the headers tarball, which fails where only the package registries are
//      reachable. An explicit npm_config_nodedir still wins.
//   2. What is missing is named in one message (a C++ compiler, make, python3, Node's headers)
//      instead of a node-gyp stack.
// Windows and macOS (and Linux with internet) get better-sqlite3's prebuilt binary exactly as
// before: prebuild-install runs first and nothing is compiled.
//
// package.json runs this from `prepare` (so `npm ci` in a clone does it) and leaves better-sqlite3's
// own install script unapproved in allowScripts: that script would fail the whole `npm ci` before
// this one could run. Plain JavaScript because it runs before tsc. Idempotent: an add-on that loads
// is left alone. Usage: node scripts/install-sqlite.mjs [--package-dir DIR] [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const force = args.includes('--force');

function fail(lines) {
  process.stderr.write(['', 'bits-job2: better-sqlite3 (the job store) could not be installed.', ...lines, ''].join('\n') + '\n');
  process.exit(1);
}

function findPackageDir() {
  const given = option('--package-dir');
  if (given) return resolve(given);
  try {
    return dirname(createRequire(join(here, '..', 'package.json')).resolve('better-sqlite3/package.json'));
  } catch {
    return fail(['better-sqlite3 is not in node_modules: run `npm ci` (or `npm install`) first.']);
  }
}

const packageDir = findPackageDir();
const addon = join(packageDir, 'build', 'Release', 'better_sqlite3.node');

/** The add-on loads into this Node (right ABI, right platform): nothing to do. */
function addonLoads() {
  if (!existsSync(addon)) return false;
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { encoding: 'utf8' });
  return probe.status === 0;
}

function run(command, commandArgs, options = {}) {
  return spawnSync(command, commandArgs, { cwd: packageDir, encoding: 'utf8', maxBuffer: 64 << 20, ...options });
}

/** The headers next to the running node, if they are this Node's version. */
function localHeadersPrefix() {
  const prefix = dirname(dirname(process.execPath));
  const versionHeader = join(prefix, 'include', 'node', 'node_version.h');
  if (!existsSync(versionHeader)) return undefined;
  const text = readFileSync(versionHeader, 'utf8');
  const part = (name) => text.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`))?.[1];
  const version = `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  return version === process.version ? prefix : undefined;
}

/** The full path of the first of `names` found on PATH. */
function onPath(names) {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD').split(';') : [''];
  const candidates = names.flatMap((name) => dirs.flatMap((dir) => exts.map((ext) => join(dir, name + ext))));
  return candidates.find((candidate) => existsSync(candidate));
}

/** What node-gyp needs that this machine lacks, each with what to install. Windows: node-gyp finds Visual Studio itself. */
function missingToolchain() {
  if (process.platform === 'win32') return [];
  const missing = [];
  const compiler = process.env.CXX || onPath(['c++', 'g++', 'clang++']); // a set CXX is node-gyp's to use as it stands
  if (!compiler) missing.push('a C++ compiler (g++ or clang++)');
  if (!onPath(['make', 'gmake'])) missing.push('make');
  if (!process.env.PYTHON && !onPath(['python3', 'python'])) missing.push('python3');
  return missing;
}

function nodeGypScript() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  // Run by hand: the node-gyp bundled with npm — beside node.exe on Windows, else the npm on PATH
  // (a link to <npm>/bin/npm-cli.js).
  const npmCli = process.platform === 'win32'
    ? join(dirname(process.execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js')
    : onPath(['npm']);
  if (!npmCli || !existsSync(npmCli)) return undefined;
  const bundled = join(dirname(dirname(realpathSync(npmCli))), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(bundled) ? bundled : undefined;
}

if (!force && addonLoads()) process.exit(0);

// 1. A prebuilt binary for this platform and ABI (Windows, macOS, Linux with internet).
const prebuildInstall = (() => {
  try { return createRequire(join(packageDir, 'package.json')).resolve('prebuild-install/bin.js'); } catch { return undefined; }
})();
let prebuiltReason = 'prebuild-install is not installed';
if (prebuildInstall) {
  const prebuilt = run(process.execPath, [prebuildInstall]);
  if (prebuilt.status === 0 && addonLoads()) process.exit(0);
  prebuiltReason = (prebuilt.stderr || prebuilt.stdout || '').trim().split('\n').pop() || `prebuild-install exited ${prebuilt.status}`;
}

// 2. Compile from source with node-gyp.
const missing = missingToolchain();
const installHint = process.platform === 'darwin'
  ? 'macOS: xcode-select --install (and python3).'
  : 'Debian/Ubuntu: apt-get install g++ make python3; Fedora: dnf install gcc-c++ make python3; Alpine: apk add g++ make python3.';
if (missing.length) {
  fail([
    `No prebuilt binary could be downloaded for ${process.platform}-${process.arch}, Node ${process.version} (${prebuiltReason}),`,
    `so it must be compiled here, and this machine lacks: ${missing.join(', ')}.`,
    `Install it and run the install again. ${installHint}`,
  ]);
}
const nodeGyp = nodeGypScript();
if (!nodeGyp) fail(['node-gyp was not found (it comes with npm): run this from an npm script or reinstall npm.']);

const explicitNodedir = process.env.npm_config_nodedir;
const headersPrefix = explicitNodedir ? undefined : localHeadersPrefix();
const gypArgs = [nodeGyp, 'rebuild', '--release', ...(headersPrefix ? [`--nodedir=${headersPrefix}`] : [])];
process.stderr.write(`bits-job2: compiling better-sqlite3 for Node ${process.version} (about a minute)${headersPrefix ? ` against the headers in ${headersPrefix}/include/node` : ''}\n`);
const build = run(process.execPath, gypArgs);
if (build.status === 0 && addonLoads()) process.exit(0);

const log = `${build.stdout ?? ''}${build.stderr ?? ''}`;
const headersUnreachable = !explicitNodedir && !headersPrefix && /headers\.tar\.gz|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|getaddrinfo/.test(log);
if (headersUnreachable) {
  fail([
    `Node's headers for ${process.version} are not installed next to node (${join(dirname(dirname(process.execPath)), 'include', 'node')})`,
    'and could not be downloaded. Install the headers that match your Node (Debian: the nodejs package ships them in /usr/include/node;',
    'an official Node tarball has them in its include/ folder), or set npm_config_nodedir to the folder that holds include/node.',
  ]);
}
fail([
  `node-gyp rebuild failed (exit ${build.status}). Its last lines:`,
  ...log.trim().split('\n').slice(-15).map((line) => `  ${line}`),
]);
