// Content-Range of a Fragment: `bytes <first>-<last>/<total>`, zero-based and inclusive. Windows
// sends lower-case `bytes`, the programming guide shows `Bytes`: the unit is case-insensitive
// (spec §7.2, §12 #20). `bytes */0` is accepted for the one fragment of an empty upload (a body-less
// final fragment, so that upload-reply works for 0-byte files too).

export interface FragmentRange {
  first: number;
  /** Inclusive; first - 1 for the empty fragment of a 0-byte upload. */
  last: number;
  total: number;
}

const RANGE = /^bytes[ \t]+(\d{1,16})[ \t]*-[ \t]*(\d{1,16})[ \t]*\/[ \t]*(\d{1,16})$/i;
const EMPTY = /^bytes[ \t]+\*[ \t]*\/[ \t]*0$/i;

/** The range, or a reason it is invalid. */
export function parseContentRange(value: string | undefined): FragmentRange | string {
  if (value === undefined) return 'Content-Range is missing';
  const v = value.trim();
  if (EMPTY.test(v)) return { first: 0, last: -1, total: 0 };
  const m = RANGE.exec(v);
  if (!m) return `Content-Range "${value.slice(0, 100)}" is not "bytes <first>-<last>/<total>"`;
  const first = Number(m[1]);
  const last = Number(m[2]);
  const total = Number(m[3]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || !Number.isSafeInteger(total)) return 'Content-Range values are too large';
  if (first > last) return `Content-Range first byte ${first} is after the last ${last}`;
  if (last >= total) return `Content-Range last byte ${last} is not below the total ${total}`;
  return { first, last, total };
}
