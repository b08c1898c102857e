// --clixml: the documents --json writes, as PowerShell CLIXML (what Export-Clixml writes and
// [System.Management.Automation.PSSerializer]::Deserialize reads), for the Bits.Job2 module: reading
// CLIXML in PowerShell is 30-70 times faster than parsing JSON there (scripts/bench/pwsh-exchange.ts),
// and the values arrive typed. The value walk follows JSON.stringify (toJSON, undefined properties dropped,
// NaN/Infinity as null) so that both modes carry the same document. Types (JSON → CLIXML):
//   string                        → <S>, except a time (below)
//   time: a Date, or an ISO string (YYYY-MM-DDTHH:MM:SS[.fff]Z) in a property named `time`, `*Time`
//         or `*At` (JobInfo.times, monitor's time, service startedAt)  → <DT> (DateTime, UTC)
//   integer number (all counts, sizes, HRESULTs, seconds) → <I64>: byte counts are below 2^53 in
//         JavaScript and an unknown size is null, so Int64 holds every value UInt64 would
//   other finite number           → <Db>;  boolean → <B>;  null, NaN, Infinity → <Nil>
//   object                        → <Obj> with a type name list and <MS> (properties in order)
//   array                         → <Obj> of System.Object[] with <LST>
// The top object (or each item of a top array) carries the type name the caller gives (BitsJob2.Job,
// ...); Deserialize reads it as Deserialized.<name>, so the module puts the plain name back in front.
import xml2js from 'xml2js';

const NS = 'http://schemas.microsoft.com/powershell/2004/04';
const CUSTOM = ['System.Management.Automation.PSCustomObject', 'System.Object'];
const ARRAY = ['System.Object[]', 'System.Array', 'System.Object'];
const ISO_TIME = /^(?!0000)\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,7})?Z$/;
const TIME_NAME = /^time$|Time$|At$/;

/**
 * A string as CLIXML carries it (PowerShell's own rule): control characters, surrogates and
 * U+FFFE/U+FFFF as `_xHHHH_`, and the `_` of a literal `_x` as `_x005F_` so it is not read as one.
 */
export function encodeClixmlString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\ud800-\udfff\ufffe\uffff]|_(?=x)/g, (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

type Node = Record<string, unknown>;

class Writer {
  private refs = 0;
  private readonly typeRefs = new Map<string, number>();

  /** One property or list item as a single-key element object. */
  value(v: unknown, name: string | undefined, key: string, typeName?: string): Node {
    if (v !== null && typeof v === 'object' && !(v instanceof Date) && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      v = (v as { toJSON(k: string): unknown }).toJSON(key);
    }
    const attrs = name === undefined ? undefined : { N: encodeClixmlString(name) };
    const leaf = (tag: string, text: string): Node => ({ [tag]: attrs ? { $: attrs, _: text } : text });
    if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return { Nil: attrs ? { $: attrs } : {} };
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? { Nil: attrs ? { $: attrs } : {} } : leaf('DT', v.toISOString());
    if (typeof v === 'string') return leaf(name !== undefined && TIME_NAME.test(name) && ISO_TIME.test(v) ? 'DT' : 'S', encodeClixmlString(v));
    if (typeof v === 'boolean') return leaf('B', String(v));
    if (typeof v === 'number') return leaf(Number.isSafeInteger(v) ? 'I64' : 'Db', Number.isInteger(v) && !Number.isSafeInteger(v) ? v.toExponential() : String(v));
    if (typeof v === 'bigint') throw new TypeError('a BigInt has no JSON form (JSON.stringify throws too)');
    const body: Node = { $: { ...attrs, RefId: String(this.refs++) } };
    if (Array.isArray(v)) {
      Object.assign(body, this.typeNames(ARRAY));
      // [[...]]: xml2js renders a nested array as the children of one element, in order. The items
      // of a top array (list's jobs) carry the type name.
      body.LST = [v.map((item, i) => this.value(item, undefined, String(i), typeName))];
    } else {
      Object.assign(body, this.typeNames(typeName ? [typeName, ...CUSTOM] : CUSTOM));
      const members = Object.entries(v as object)
        .filter(([, m]) => m !== undefined && typeof m !== 'function' && typeof m !== 'symbol')
        .map(([k, m]) => this.value(m, k, k, undefined));
      body.MS = [members];
    }
    return { Obj: body };
  }

  /** <TN RefId=n> the first time a type name list appears, <TNRef RefId=n/> afterwards. */
  private typeNames(names: string[]): Node {
    const key = names.join('\n');
    const known = this.typeRefs.get(key);
    if (known !== undefined) return { TNRef: { $: { RefId: String(known) } } };
    const id = this.typeRefs.size;
    this.typeRefs.set(key, id);
    return { TN: { $: { RefId: String(id) }, T: names } };
  }
}

const builder = new xml2js.Builder({ headless: true, renderOpts: { pretty: false } });

/** One CLIXML document (one line, no XML declaration) holding `value`; `typeName` names the top object. */
export function toClixml(value: unknown, typeName?: string): string {
  const top = new Writer().value(value, undefined, '', typeName);
  return builder.buildObject({ Objs: { $: { Version: '1.1.0.1', xmlns: NS }, ...top } });
}
