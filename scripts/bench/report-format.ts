// Small formatting pieces shared by the BENCHMARKS.md sections.
import { jain } from './concurrent.js';
import type { ProfileSummary } from './profile.js';
import { fmt, MiB } from './util.js';

export const mibs = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);
export const mark = (met: boolean) => (met ? '**met**' : '**missed**');
export const list = (xs: number[], digits = 0) => xs.map((x) => fmt(x, digits)).join(', ');
export const mib = (kb: number) => `${fmt(kb / 1024, 1)} MiB`;

export function profileTable(s: ProfileSummary, what: 'topFunctions' | 'topFiles', n = 10): string {
  const rows = s[what].slice(0, n).map((r) => `| ${fmt(r.pct, 1)}% | ${fmt(r.ms, 0)} | \`${r.name.replace(/\|/g, '\\|')}\` |`);
  return [`| share of busy | self ms | ${what === 'topFunctions' ? 'function' : 'file / package'} |`, '|---:|---:|---|', ...rows].join('\n');
}


/** Jain's index of per-job throughput (bytes / own ms). */
export const jainOf = (perJobMs: number[], bytesEach: number) => jain(perJobMs.map((ms) => bytesEach / ms));

export const short = (cmd: string) => cmd.replace(/\S*\/dist\//g, 'dist/');

/** `{a: {b: 1}}` → [['a.b', '1']]: the bridge script's JSON as table rows, whatever its shape. */
export function flatten(v: unknown, prefix = ''): [string, string][] {
  if (v === null || typeof v !== 'object') return [[prefix || 'value', String(v)]];
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return [[prefix || 'value', v.join(', ')]];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => flatten(x, prefix ? `${prefix}.${k}` : k));
}
