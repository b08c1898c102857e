// Sizes and run counts of `npm run bench`, from flags (`npm run bench -- --quick --runs 2`) or the
// BENCH_* environment variables; a flag wins over its variable. `--quick` lowers every default so a
// whole run takes about a minute (a smoke test of the bench itself, not figures to publish: it writes
// its report to a temp file unless --out says otherwise).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './util.js';

export interface Settings {
  quick: boolean;
  /** Download and upload file size, MiB. */
  sizeMb: number;
  /** Second, smaller download for the "RSS does not grow with the file" check, MiB. */
  smallMb: number;
  /** Runs per tool for downloads, uploads and the concurrent batch. */
  runs: number;
  cliRuns: number;
  jobs: number;
  listRuns: number;
  /** Upload-reply round trips per tool, and the reply size (KiB; the issue asks for 1 MiB). */
  replyRuns: number;
  replyKb: number;
  /** Cmdlet vs CLI calls, each. */
  pwshRuns: number;
  /** Concurrent foreground jobs and the size of each, MiB. */
  concJobs: number;
  concMb: number;
  out: string;
  /** Re-render the report from a previous run's saved measurements instead of measuring. */
  render?: string;
  profile: 'always' | 'never' | 'misses';
}

interface Knob {
  flag: string;
  env: string;
  full: number;
  quick: number;
  key: keyof Settings;
  help: string;
}

const KNOBS: Knob[] = [
  { flag: 'size-mb', env: 'BENCH_SIZE_MB', full: 1024, quick: 32, key: 'sizeMb', help: 'download / upload file size, MiB' },
  { flag: 'small-mb', env: 'BENCH_SMALL_MB', full: 64, quick: 8, key: 'smallMb', help: 'second download size for the RSS growth check, MiB' },
  { flag: 'runs', env: 'BENCH_RUNS', full: 3, quick: 2, key: 'runs', help: 'runs per tool (download, upload, concurrent batch)' },
  { flag: 'cli-runs', env: 'BENCH_CLI_RUNS', full: 10, quick: 3, key: 'cliRuns', help: 'CLI latency runs per command' },
  { flag: 'jobs', env: 'BENCH_JOBS', full: 10_000, quick: 500, key: 'jobs', help: 'jobs in the store for the list figure' },
  { flag: 'list-runs', env: 'BENCH_LIST_RUNS', full: 5, quick: 2, key: 'listRuns', help: 'list runs per way' },
  { flag: 'reply-runs', env: 'BENCH_REPLY_RUNS', full: 7, quick: 2, key: 'replyRuns', help: 'upload-reply round trips per tool' },
  { flag: 'reply-kb', env: 'BENCH_REPLY_KB', full: 1024, quick: 1024, key: 'replyKb', help: 'reply size, KiB (≤ 1024: GetReplyData\'s limit)' },
  { flag: 'pwsh-runs', env: 'BENCH_PWSH_RUNS', full: 10, quick: 3, key: 'pwshRuns', help: 'cmdlet and CLI calls each' },
  { flag: 'conc-jobs', env: 'BENCH_CONC_JOBS', full: 100, quick: 10, key: 'concJobs', help: 'concurrent foreground jobs' },
  { flag: 'conc-mb', env: 'BENCH_CONC_MB', full: 8, quick: 1, key: 'concMb', help: 'size of each concurrent job, MiB' },
];

export function usage(): string {
  return [
    'npm run bench -- [--quick] [--out FILE] [--profile always|never|misses] [--NAME N ...]',
    '  --quick        small sizes and few runs (about a minute); report to a temp file unless --out',
    ...KNOBS.map((k) => `  --${k.flag.padEnd(12)} ${k.help} (env ${k.env}; default ${k.full}, quick ${k.quick})`),
    '  --out FILE     report path (env BENCH_OUT; default BENCHMARKS.md in the repository)',
    '  --profile      profile the targets that were missed (default), always, or never (env BENCH_PROFILE)',
    '  --render FILE  no measuring: rewrite the report from the measurements a run saved (its last line names the file)',
  ].join('\n');
}

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${raw} is not a positive whole number`);
  return n;
}

export function parseSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): Settings {
  const flags = new Map<string, string>();
  const known = new Set([...KNOBS.map((k) => k.flag), 'out', 'profile', 'render']);
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') {
      quick = true;
      continue;
    }
    if (a === '--help' || a === '-h') {
      process.stdout.write(usage() + '\n');
      process.exit(0);
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument '${a}'\n${usage()}`);
    if (!known.has(m[1]!)) throw new Error(`unknown option --${m[1]}\n${usage()}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    flags.set(m[1]!, value);
  }

  const s = { quick } as Settings;
  for (const k of KNOBS) {
    const raw = flags.get(k.flag) ?? (env[k.env] || undefined);
    (s[k.key] as number) = raw === undefined ? (quick ? k.quick : k.full) : positive(flags.has(k.flag) ? `--${k.flag}` : k.env, raw);
  }
  if (s.replyKb > 1024) throw new Error(`reply size ${s.replyKb} KiB is over GetReplyData's 1 MiB limit`);
  s.out = flags.get('out') ?? (env.BENCH_OUT || (quick ? join(tmpdir(), 'bits-job2-BENCHMARKS.quick.md') : join(REPO, 'BENCHMARKS.md')));
  const profile = flags.get('profile') ?? (env.BENCH_PROFILE || 'misses');
  if (!['always', 'never', 'misses'].includes(profile)) throw new Error(`profile ${profile}: use always, never or misses`);
  s.profile = profile as Settings['profile'];
  s.render = flags.get('render');
  return s;
}
