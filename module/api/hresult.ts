// HRESULT helpers: names, messages, success/failure. HRESULTs are unsigned 32-bit numbers (spec §0).
import { HRESULT_TABLE, type HResultInfo } from './hresult-table.js';

const byValue = new Map<number, HResultInfo>(HRESULT_TABLE.map((h) => [h.value, h]));
const byName = new Map<string, HResultInfo>(HRESULT_TABLE.map((h) => [h.name, h]));

/** Named constants: `HR.BG_E_NOT_FOUND === 0x80200001`. */
export const HR: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(HRESULT_TABLE.map((h) => [h.name, h.value])));

export function toUnsigned(hr: number): number {
  return hr >>> 0;
}
export function isFailure(hr: number): boolean {
  return (toUnsigned(hr) & 0x80000000) !== 0;
}
/** An HTTP status BITS captured (0x80190000 + status) that the table has no entry for. */
function httpStatusOf(u: number): number | undefined {
  const status = u & 0xffff;
  return ((u & 0xffff0000) >>> 0) === 0x80190000 && status >= 100 && status <= 599 ? status : undefined;
}
export function hresultName(hr: number): string {
  const u = toUnsigned(hr);
  const known = byValue.get(u)?.name;
  if (known) return known;
  const status = httpStatusOf(u);
  return status === undefined ? hex(u) : `BG_E_HTTP_ERROR_${status}`;
}
export function hresultMessage(hr: number): string {
  const info = byValue.get(toUnsigned(hr));
  if (info) return info.message;
  const u = toUnsigned(hr);
  const status = httpStatusOf(u);
  if (status !== undefined) return `HTTP ${status}: the server answered with this status.`;
  if (((u & 0xffff0000) >>> 0) === 0x80070000) return `Windows error ${u & 0xffff}.`;
  return 'Unknown error.';
}
export function hresultByName(name: string): number | undefined {
  return byName.get(name)?.value;
}
/** 0x80200001 style, upper-case, 8 digits. */
export function hex(hr: number): string {
  return '0x' + toUnsigned(hr).toString(16).toUpperCase().padStart(8, '0');
}
/** HRESULT for an HTTP status the way BITS captures it (0x80190000 + status). */
export function httpStatusToHResult(status: number): number {
  return toUnsigned(0x80190000 + status);
}
