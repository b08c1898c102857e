// Job ids on the command line: `{GUID}`, a bare GUID, or a unique prefix of at least 8 hex digits
// (resolved against the queue; ambiguous → E_INVALIDARG naming the candidates, unknown →
// BG_E_NOT_FOUND). Full GUIDs are not looked up, so jobs that left the queue still reach `info`.
import { bitsError } from '../api/bits-error.js';
import { HR } from '../api/hresult.js';

export const MIN_PREFIX_HEX_DIGITS = 8;
const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

function bare(id: string): string {
  return id.replace(/[{}]/g, '').toLowerCase();
}

export async function resolveJobId(input: string, listJobs: () => Promise<{ id: string; displayName: string }[]>): Promise<string> {
  const text = String(input).trim();
  const full = GUID.exec(text);
  if (full) return full[1]!.toLowerCase();

  const prefix = text.replace(/^\{/, '').toLowerCase();
  if (!/^[0-9a-f-]+$/.test(prefix)) {
    throw bitsError(HR.E_INVALIDARG!, `'${text}' is not a job id: give the GUID printed by \`create\`/\`list\`, or a unique prefix of ${MIN_PREFIX_HEX_DIGITS}+ hex digits.`);
  }
  const digits = prefix.replace(/-/g, '').length;
  if (digits < MIN_PREFIX_HEX_DIGITS) {
    throw bitsError(HR.E_INVALIDARG!, `The job id prefix '${text}' is too short: give at least ${MIN_PREFIX_HEX_DIGITS} hex digits.`);
  }
  const jobs = await listJobs();
  const matches = jobs.filter((j) => bare(j.id).startsWith(prefix));
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length === 0) {
    throw bitsError(HR.BG_E_NOT_FOUND!, `No job in the queue has an id starting with '${text}'.`);
  }
  const list = matches.map((j) => `${j.id} (${j.displayName})`).join(', ');
  throw bitsError(HR.E_INVALIDARG!, `The job id prefix '${text}' is ambiguous: it matches ${list}. Give more digits.`, undefined, {
    candidates: matches.map((j) => j.id),
  });
}
