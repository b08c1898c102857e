// The next retry time of a job in TRANSIENT_ERROR (issue 15 item 7): the snapshot's nextRetryTime,
// first in the in-process engine with an injected clock (exact values: failure time + retry delay,
// moving on after each retry, null when the no-progress timeout ends first, after suspend, kept
// across a restart), then through the real per-user service and CLI against a port nobody listens
// on: `info --json`, `info`'s text, `list --json` (the row encoding), and `transfer`'s piped line
// and its terminal bar; and the local-time/countdown text itself. Wall-clock checks are causal
// bounds (the failure happened between resume and the read), never durations.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JobType } from '../module/api/enums.js';
import type { JobSnapshotWire } from '../module/api/types.js';
import { formatLocalTime, formatRetryDue } from '../module/cli/format.js';
import { ManualClock } from '../module/engine/clock.js';
import { PortableEngine } from '../module/engine/engine.js';
import { stateOf, waitJob, waitState } from './helpers/assert-bits.js';
import { CLI_JS, GUID_RE, cliEnv, json, makeSandbox, type CliSandbox } from './helpers/cli.js';
import { startGateServer } from './helpers/gate-server.js';
import { waitFor } from './helpers/service.js';

/** A loopback URL whose port was just closed: every attempt is refused (a transient error). */
async function deadUrl(): Promise<string> {
  const closed = await startGateServer();
  const url = `${closed.url}/x.bin`;
  await closed.close();
  return url;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** How `info` and the progress lines write a local time, and how long until it. */
const LOCAL_TIME = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d`;
const DUE = String.raw`\((in \d+ s|in (\d+[dhms] ?)+|due now)\)`;

interface EngineCtx { dir: string; clock: ManualClock; engine: PortableEngine; dead: string }
const engine = suite<EngineCtx>('nextRetryTime in the engine (injected clock)');

engine.before.each(async (c) => {
  c.dir = mkdtempSync(join(tmpdir(), 'bj2-next-retry-'));
  c.clock = new ManualClock();
  c.engine = await PortableEngine.open({ stateDir: join(c.dir, 'state'), clock: c.clock });
  c.dead = await deadUrl();
});
engine.after.each(async (c) => {
  await c.engine.close();
  rmSync(c.dir, { recursive: true, force: true });
});

async function failingJob(c: EngineCtx, retryDelay: number, noProgressTimeout: number): Promise<string> {
  const id = await c.engine.createJob('retry', JobType.DOWNLOAD);
  await c.engine.addFiles(id, [{ remoteName: c.dead, localName: join(c.dir, 'x.bin') }]);
  await c.engine.setProperty(id, 'minimumRetryDelay', retryDelay);
  await c.engine.setProperty(id, 'noProgressTimeout', noProgressTimeout);
  return id;
}

engine('failure time + MinimumRetryDelay, moving on after each retry; null outside TRANSIENT_ERROR', async (c) => {
  const t0 = c.clock.now();
  const id = await failingJob(c, 30, 600);
  assert.is((await c.engine.getJob(id)).nextRetryTime, null, 'SUSPENDED: none');
  await c.engine.resume(id);
  const first = await waitState(c.engine, id, 'TRANSIENT_ERROR');
  assert.is(first.nextRetryTime, iso(t0 + 30_000));
  c.clock.advance(30_000);
  const second = await waitJob(c.engine, id, (j) => j.errorCount === 2, 'the retry ran and failed');
  assert.is(stateOf(second), 'TRANSIENT_ERROR');
  assert.is(second.nextRetryTime, iso(t0 + 60_000), 'the next one is a retry delay after the failed retry');
  await c.engine.suspend(id);
  assert.is((await c.engine.getJob(id)).nextRetryTime, null, 'suspended: the pending retry is gone');
});

engine('no retry due when the no-progress timeout ends first: null while TRANSIENT_ERROR, then ERROR', async (c) => {
  const t0 = c.clock.now();
  const id = await failingJob(c, 30, 50);
  await c.engine.resume(id);
  assert.is((await waitState(c.engine, id, 'TRANSIENT_ERROR')).nextRetryTime, iso(t0 + 30_000), '30 s < 50 s: a retry is due');
  c.clock.advance(30_000);
  const last = await waitJob(c.engine, id, (j) => j.errorCount === 2, 'the retry ran and failed');
  assert.is(stateOf(last), 'TRANSIENT_ERROR');
  assert.is(last.nextRetryTime, null, 'the next retry (60 s) would come after the give-up time (50 s)');
  c.clock.advance(20_000);
  const failed = await waitState(c.engine, id, 'ERROR');
  assert.is(failed.nextRetryTime, null);
});

engine('kept across a restart (the re-armed timer and the snapshot agree)', async (c) => {
  const t0 = c.clock.now();
  const id = await failingJob(c, 45, 600);
  await c.engine.resume(id);
  await waitState(c.engine, id, 'TRANSIENT_ERROR');
  await c.engine.close();
  c.engine = await PortableEngine.open({ stateDir: join(c.dir, 'state'), clock: c.clock });
  assert.is((await c.engine.getJob(id)).nextRetryTime, iso(t0 + 45_000));
  c.clock.advance(45_000);
  assert.is((await waitJob(c.engine, id, (j) => j.errorCount === 2, 'the re-armed retry ran')).nextRetryTime, iso(t0 + 90_000));
});

engine.run();

const format = suite('formatRetryDue: local time with its offset, and how long until then');
format('seconds, minutes and more; due now once passed; the bar\'s time-only form', () => {
  const now = Date.UTC(2026, 11, 3, 12, 0, 0);
  assert.match(formatRetryDue(new Date(now + 42_000), now), new RegExp(`^${LOCAL_TIME} \\(in 42 s\\)$`));
  assert.match(formatRetryDue(new Date(now + 600_000), now), /\(in 10m\)$/);
  assert.match(formatRetryDue(new Date(now + 3_725_000), now), /\(in 1h 2m 5s\)$/);
  assert.match(formatRetryDue(new Date(now + 41_200), now), /\(in 42 s\)$/, 'a part of a second counts as a second still to wait');
  assert.match(formatRetryDue(new Date(now - 1000), now), /\(due now\)$/);
  assert.match(formatRetryDue(new Date(now + 5000), now, true), /^\d\d:\d\d:\d\d \(in 5 s\)$/);
});
format('the offset is the machine\'s (TZ)', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Asia/Kolkata';
    assert.is(formatLocalTime(new Date(Date.UTC(2026, 11, 3, 12, 0, 0))), '2026-12-03 17:30:00 +05:30');
    process.env.TZ = 'America/St_Johns';
    assert.is(formatLocalTime(new Date(Date.UTC(2026, 11, 3, 12, 0, 0))), '2026-12-03 08:30:00 -03:30');
    process.env.TZ = 'UTC';
    assert.is(formatLocalTime(new Date(Date.UTC(2026, 0, 1, 0, 0, 5))), '2026-01-01 00:00:05 +00:00');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
format.run();

interface CliCtx { sb: CliSandbox; dead: string }
const cli = suite<CliCtx>('nextRetryTime through the service and the CLI');
cli.before.each(async (c) => {
  c.sb = makeSandbox('bj2nr-');
  c.dead = await deadUrl();
});
cli.after.each(async (c) => {
  await c.sb.cleanup();
});

type Doc = Omit<JobSnapshotWire, 'state'> & { state: string };
const RETRY_DELAY = 5; // the smallest the engine takes

cli('info --json and info: due one retry delay after the failure, moving on after the retry; list --json carries it', async ({ sb, dead }) => {
  const id = (await sb.run(['create', 'unreachable'])).stdout.trim();
  assert.match(id, GUID_RE);
  assert.is((await sb.run(['add-file', id, dead, `${sb.stateDir}/x.bin`])).code, 0);
  assert.is((await sb.run(['set', id, '--retry-delay', String(RETRY_DELAY), '--no-progress-timeout', '600'])).code, 0);
  const info = async () => json<Doc>(await sb.run(['info', id, '--json']));
  assert.is((await info()).nextRetryTime, null, 'SUSPENDED: none');

  const before = Date.now();
  assert.is((await sb.run(['resume', id])).code, 0);
  let first: Doc | undefined;
  await waitFor(async () => (first = await info()).state === 'TRANSIENT_ERROR', 60_000, 'TRANSIENT_ERROR');
  const after = Date.now();
  const due = Date.parse(first!.nextRetryTime!);
  assert.ok(due >= before + RETRY_DELAY * 1000 && due <= after + RETRY_DELAY * 1000, `${first!.nextRetryTime} is the failure time (between ${iso(before)} and ${iso(after)}) + ${RETRY_DELAY} s`);

  const text = await sb.run(['info', id]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^Next retry:\\s+${LOCAL_TIME} ${DUE}$`, 'm'));

  const listed = json<Doc[]>(await sb.run(['list', '--json'])).find((j) => j.id === id)!;
  const again = await info();
  if (again.errorCount === listed.errorCount) assert.is(listed.nextRetryTime, again.nextRetryTime, 'list and info agree');
  else assert.ok(listed.nextRetryTime, 'list carries it');

  let second: Doc | undefined;
  await waitFor(async () => { second = await info(); return second.errorCount >= first!.errorCount + 1 && second.state === 'TRANSIENT_ERROR'; }, 90_000, 'the retry ran and failed');
  assert.ok(Date.parse(second!.nextRetryTime!) >= due + RETRY_DELAY * 1000, `moved on: ${second!.nextRetryTime} ≥ ${first!.nextRetryTime} + ${RETRY_DELAY} s`);

  assert.is((await sb.run(['suspend', id])).code, 0);
  const suspended = await sb.run(['info', id]);
  assert.is((await info()).nextRetryTime, null);
  assert.not.match(suspended.stdout, /Next retry/, 'no row outside TRANSIENT_ERROR');
});

cli('transfer: the piped line says when the next retry is due', async ({ sb, dead }) => {
  const r = await sb.run(['transfer', 'probe', dead, `${sb.stateDir}/p.bin`, '--retry-delay', String(RETRY_DELAY), '--no-progress-timeout', '600', '--timeout', '20'], { timeoutMs: 90_000 });
  assert.is(r.code, 1, r.stderr); // ERROR_TIMEOUT: still retrying when --timeout ran out
  assert.match(r.stderr, new RegExp(`^TRANSIENT_ERROR .* — ERROR_INTERNET_CANNOT_CONNECT: .* \\(next retry ${LOCAL_TIME} ${DUE}\\)$`, 'm'), r.stderr);
});

cli('transfer: the terminal bar says when the next retry is due', async ({ sb, dead }) => {
  // script(1) gives the CLI a terminal, so it draws the bar the way a person sees it.
  const cmd = [process.execPath, CLI_JS, 'transfer', 'bar', dead, `${sb.stateDir}/b.bin`, '--retry-delay', String(RETRY_DELAY), '--no-progress-timeout', '600', '--timeout', '20'];
  const quoted = cmd.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  let out = '';
  try {
    out = execFileSync('script', ['-qefc', quoted, '/dev/null'], { env: { ...cliEnv(sb.stateDir), COLUMNS: '120' }, encoding: 'utf8', timeout: 90_000 });
  } catch (e) {
    const err = e as { status: number | null; stdout: string };
    assert.is(err.status, 1, err.stdout); // ERROR_TIMEOUT
    out = err.stdout;
  }
  const draws = [...out.matchAll(/\r\x1b\[2KTRANSIENT_ERROR: ERROR_INTERNET_CANNOT_CONNECT, next retry (\d\d:\d\d:\d\d) \((in \d+ s|due now)\)/g)];
  assert.ok(draws.length > 0, JSON.stringify(out));
  // The countdown is redrawn while the job waits: one retry time shown with more than one "in N s".
  const countdowns = new Map<string, Set<string>>();
  for (const [, at, left] of draws) countdowns.set(at!, (countdowns.get(at!) ?? new Set()).add(left!));
  assert.ok([...countdowns.values()].some((lefts) => lefts.size > 1), JSON.stringify(out));
});

cli.run();
