// How a contract row runs on Wine's BITS: every suite registers its rows through wineAware(), which
// keeps the row's own body for every backend and, when the context carries Wine's facts
// (ctx.wine, the Wine lane), runs the row's Wine body instead — the same operations, asserting what
// Wine answers according to test/contract/wine-facts.ts. Rows without a Wine body run unchanged on
// Wine. No row is skipped anywhere; a Wine body whose title matches no row fails the suite.
// Every row also runs against ROW_DEADLINE_MS: a call that never returns fails its row by name
// instead of holding the run until the Wine lane's 10-minute limit (seen once under load, when the
// output stopped after a row and did not say which call hung).
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../module/api/port.js';
import type { JobSnapshotWire } from '../../module/api/types.js';
import { rejectsWith } from '../helpers/assert-bits.js';
import type { ContractContext } from './contract-suite.js';
import type { WineFacts } from './wine-facts.js';

export type WineRow<S> = (s: S, w: WineFacts) => Promise<void>;

/** A row still running after this long has hung: the slowest rows take a few seconds, even on Wine. */
export const ROW_DEADLINE_MS = 120_000;

/** `row`, failed with its title if it has not settled within ROW_DEADLINE_MS. */
async function withinDeadline(title: string, row: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.Assertion({ message: `"${title}" did not finish within ${ROW_DEADLINE_MS / 1000} s: a call that never returned`, generated: false, operator: 'deadline', expects: 'settled', actual: 'pending' })), ROW_DEADLINE_MS);
  });
  try {
    await Promise.race([row, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function wineAware<S extends { ctx: ContractContext }>(test: Test<S>, rows: Record<string, WineRow<S>>): Test<S> {
  const used = new Set<string>();
  const wrapped = ((title: string, body: (s: S) => Promise<void>) => {
    const wine: WineRow<S> | undefined = Object.hasOwn(rows, title) ? rows[title] : undefined;
    if (wine !== undefined) used.add(title);
    test(title, (s) => withinDeadline(title, s.ctx.wine && wine !== undefined ? wine(s, s.ctx.wine) : body(s)));
  }) as unknown as Test<S>;
  Object.assign(wrapped, test, {
    run: () => {
      const orphans = Object.keys(rows).filter((t) => !used.has(t));
      if (orphans.length > 0) test('Wine rows name existing rows', () => assert.unreachable(`Wine bodies without a row: ${orphans.join(' | ')}`));
      test.run();
    },
  });
  return wrapped;
}

/** The port operation fails with Wine's stub code, naming the stubbed COM method. */
export async function wineStub(w: WineFacts, op: string, p: Promise<unknown>): Promise<void> {
  const stub = w.stubs[op];
  assert.ok(stub, `no Wine stub recorded for ${op}`);
  const e = await rejectsWith(p, stub.code, op);
  assert.ok(e.message.includes(stub.method), `${op}: the error names ${stub.method}: ${e.message}`);
}

/** The snapshot lacks exactly Wine's unavailable fields (each null, with the getter and code), minus `except`. */
export function wineUnavailable(w: WineFacts, j: JobSnapshotWire, except: string[] = []): void {
  const want = Object.keys(w.unavailable).filter((f) => !except.includes(f)).sort();
  assert.equal(Object.keys(j.unavailable ?? {}).sort(), want, 'unavailable fields');
  for (const f of want) {
    assert.is((j as unknown as Record<string, unknown>)[f], null, `${f} is null`);
    const u = j.unavailable![f as keyof typeof w.unavailable]!;
    const fact = w.unavailable[f as keyof typeof w.unavailable]!;
    assert.is(u.method, fact.method, `${f}: method`);
    assert.is(u.name, fact.name, `${f}: code`);
  }
}

/** Wine's fixed values: what its getters answer whatever was set. */
export function wineFixed(w: WineFacts, j: JobSnapshotWire): void {
  assert.is(j.minimumRetryDelay, w.fixed.minimumRetryDelay, 'MinimumRetryDelay');
  assert.is(j.noProgressTimeout, w.fixed.noProgressTimeout, 'NoProgressTimeout');
  assert.is(j.notifyFlags, w.fixed.notifyFlags, 'NotifyFlags');
}

/** Cancel of a job without download files (upload jobs, empty jobs): Wine's success code for it. */
export async function wineCancel(w: WineFacts, b: Backend, id: string): Promise<void> {
  assert.is((await b.cancel(id)).name, w.cancelCode.noDownloadFiles, 'Cancel');
}
