#!/usr/bin/env node
// Builds the portable engine's optional GSSAPI add-on (Kerberos for Negotiate, issue 18:
// module/common/gssapi/) with node-gyp against the running Node's own headers, the
// way install-sqlite.mjs builds better-sqlite3 — nothing is downloaded.
//
// Optional by design: `npm ci && npm start` must work on a machine without MIT Kerberos'
// development files. Then this prints what to install and exits 0, and the engine refuses
// Kerberos with the same fix in the job's error (Negotiate with a password still works, through
// NTLM). `--required` (CI, scripts/install-test-deps.sh) makes any failure exit 1 instead.
// Windows has no add-on (Windows BITS does Kerberos itself). Idempotent: an add-on that loads is
// left alone. Plain JavaScript because it runs before tsc.
// Usage: node scripts/install-kerberos.mjs [--required] [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const sourceDir = join(here, '..', 'module', 'common', 'gssapi');
const addon = join(sourceDir, 'build', 'Release', 'bits_gssapi.node');
const args = process.argv.slice(2);
const required = args.includes('--required');
const FIX = 'Debian/Ubuntu: apt-get install libkrb5-dev; Fedora: dnf install krb5-devel; macOS: brew install krb5 (and put its bin/ on PATH)';

function notBuilt(lines) {
  const text = ['', 'bits-job2: Kerberos support (Negotiate with tickets) was not built.', ...lines, `Everything else works; to add it: ${FIX}, then run "node scripts/install-kerberos.mjs" here.`, ''].join('\n');
  process.stderr.write(text + '\n');
  process.exit(required ? 1 : 0);
}

function addonLoads() {
  if (!existsSync(addon)) return false;
  return spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], { encoding: 'utf8' }).status === 0;
}

function onPath(names) {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return names.flatMap((n) => dirs.map((d) => join(d, n))).find((p) => existsSync(p));
}

/** The headers next to the running node, if they are this Node's version (as install-sqlite.mjs). */
function localHeadersPrefix() {
  const prefix = dirname(dirname(process.execPath));
  const versionHeader = join(prefix, 'include', 'node', 'node_version.h');
  if (!existsSync(versionHeader)) return undefined;
  const text = readFileSync(versionHeader, 'utf8');
  const part = (name) => text.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`))?.[1];
  return `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === process.version ? prefix : undefined;
}

function nodeGypScript() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const npmCli = onPath(['npm']);
  if (!npmCli) return undefined;
  const bundled = join(dirname(dirname(realpathSync(npmCli))), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(bundled) ? bundled : undefined;
}

if (process.platform === 'win32') process.exit(0);
if (!args.includes('--force') && addonLoads()) process.exit(0);

const krb5Config = onPath(['krb5-config']);
if (!krb5Config) notBuilt(['MIT Kerberos\' development files are not installed (no krb5-config on PATH).']);
const cflags = spawnSync(krb5Config, ['--cflags', 'gssapi'], { encoding: 'utf8' });
const includeDirs = [...(cflags.stdout ?? '').matchAll(/-(?:I|isystem)\s*(\S+)/g)].map((m) => m[1]).concat(['/usr/include', '/usr/local/include']);
if (cflags.status !== 0 || !includeDirs.some((d) => existsSync(join(d, 'gssapi', 'gssapi_ext.h')))) {
  notBuilt([`krb5-config (${krb5Config}) is not MIT Kerberos' or lacks gssapi/gssapi_ext.h (Heimdal is not supported).`]);
}
const missing = [!(process.env.CC || onPath(['cc', 'gcc', 'clang'])) && 'a C compiler (gcc or clang)', !onPath(['make', 'gmake']) && 'make', !(process.env.PYTHON || onPath(['python3', 'python'])) && 'python3'].filter(Boolean);
if (missing.length) notBuilt([`This machine lacks ${missing.join(', ')} to compile it.`]);
const nodeGyp = nodeGypScript();
if (!nodeGyp) notBuilt(['node-gyp was not found (it comes with npm).']);
const headersPrefix = process.env.npm_config_nodedir ? undefined : localHeadersPrefix();
const build = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--release', ...(headersPrefix ? [`--nodedir=${headersPrefix}`] : [])], { cwd: sourceDir, encoding: 'utf8', maxBuffer: 64 << 20 });
if (build.status === 0 && addonLoads()) {
  process.stderr.write('bits-job2: Kerberos support built (module/common/gssapi).\n');
  process.exit(0);
}
const log = `${build.stdout ?? ''}${build.stderr ?? ''}`;
notBuilt([`node-gyp rebuild failed (exit ${build.status}). Its last lines:`, ...log.trim().split('\n').slice(-12).map((l) => `  ${l}`)]);
