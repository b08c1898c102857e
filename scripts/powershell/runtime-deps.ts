// The node_modules the PowerShell package carries: the packages the compiled CLI, engine and
// service load at run time (package.json's dependencies and theirs), each with only the files
// that are loaded or must travel (licenses). Used by scripts/pack-powershell.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/**
 * Dependencies needed only to install a package, never to run it: better-sqlite3's install script
 * runs prebuild-install (a download of a prebuilt add-on) and falls back to node-gyp. The package
 * ships the add-on already built, so neither it nor its ~25 dependencies are carried.
 */
export const INSTALL_ONLY = new Set(['prebuild-install']);

/**
 * Per package, the files to keep when not all of them are needed (path relative to the package).
 * better-sqlite3: the JS and the compiled add-on, not its C++ and SQLite sources (10 MB) nor the
 * build's objects (17 MB). xml2js: lib/xml2js.bc.js is a 3.4 MB js_of_ocaml build that nothing requires.
 */
const KEEP: Record<string, (rel: string) => boolean> = {
  'better-sqlite3': (rel) => rel === 'package.json' || rel === 'LICENSE' || rel.startsWith('lib/') || rel === 'build/Release/better_sqlite3.node',
  xml2js: (rel) => rel !== 'lib/xml2js.bc.js',
};

/** Files no package needs at run time: docs other than licenses, typings, source maps, tests, dot files. */
function isRuntimeFile(rel: string): boolean {
  const parts = rel.split('/');
  const base = parts[parts.length - 1]!;
  if (parts.some((p) => p.startsWith('.'))) return false;
  if (parts.slice(0, -1).some((p) => /^(test|tests|__tests__|example|examples|docs?|benchmarks?)$/i.test(p))) return false;
  if (/^(licen[cs]e|copying|notice)/i.test(base)) return true;
  return !/\.(md|markdown|yml|yaml|map|d\.ts|d\.mts|d\.cts|ts|mts|cts)$/i.test(base);
}

export interface RuntimePackage {
  name: string;
  version: string;
  /** Absolute folder of the package. */
  dir: string;
  /** Its files to carry, relative to dir, '/'-separated. */
  files: string[];
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) return name === 'node_modules' ? [] : listFiles(p, base);
    return [relative(base, p).split(sep).join('/')];
  });
}

/** Where Node resolves `name` from `fromDir`: the nearest node_modules/<name> up the tree, within root. */
function resolvePackageDir(name: string, fromDir: string, root: string): string {
  for (let d = fromDir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (d === root || dirname(d) === d) break;
  }
  throw new Error(`pack-powershell: dependency ${name} (needed from ${fromDir}) is not installed: run npm ci first`);
}

/** The run-time closure of root's package.json dependencies, sorted by name, one entry per folder. */
export function runtimePackages(root: string): RuntimePackage[] {
  const found = new Map<string, RuntimePackage>();
  const visit = (name: string, fromDir: string) => {
    if (INSTALL_ONLY.has(name)) return;
    const dir = resolvePackageDir(name, fromDir, root);
    if (found.has(dir)) return;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; dependencies?: Record<string, string>; bin?: string | Record<string, string> };
    const keep = KEEP[name] ?? (() => true);
    // A dependency's own commands (package.json "bin", e.g. bcryptjs's bcrypt) are for npm's PATH,
    // which the PowerShell package never links: the module only imports the library.
    const commands = new Set(Object.values(typeof pkg.bin === 'string' ? { [name]: pkg.bin } : pkg.bin ?? {}).map((b) => b.replace(/^\.\//, '')));
    const files = listFiles(dir).filter((rel) => keep(rel) && isRuntimeFile(rel) && !commands.has(rel)).sort();
    found.set(dir, { name, version: pkg.version, dir, files });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir);
  };
  const top = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(top.dependencies ?? {})) visit(dep, root);
  return [...found.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}
