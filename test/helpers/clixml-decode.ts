// A test-side reader of the CLIXML module/cli/clixml.ts writes, back to the JSON document (times as
// ISO strings, as --json writes them), so that tests can hold --clixml to --json. Only the subset the
// CLI writes; anything else throws.
import xml2js from 'xml2js';

interface El { '#name': string; $?: Record<string, string>; _?: string; $$?: El[] }

const decodeString = (s: string) => s.replace(/_x([0-9A-F]{4})_/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

function decode(el: El): unknown {
  const text = decodeString(el._ ?? '');
  switch (el['#name']) {
    case 'S': return text;
    case 'DT': return new Date(text).toJSON();
    case 'I64': return Number(text);
    case 'Db': return Number(text);
    case 'B': return text === 'true';
    case 'Nil': return null;
    case 'Obj': {
      const kids = el.$$ ?? [];
      const lst = kids.find((k) => k['#name'] === 'LST');
      if (lst) return (lst.$$ ?? []).map(decode);
      const ms = kids.find((k) => k['#name'] === 'MS');
      if (!ms) throw new Error('Obj without LST or MS');
      return Object.fromEntries((ms.$$ ?? []).map((m) => [decodeString(m.$!.N!), decode(m)]));
    }
    default: throw new Error(`unexpected element ${el['#name']}`);
  }
}

/** The one value of a CLIXML document, and its elements for structure checks. */
export async function decodeClixml(xml: string): Promise<unknown> {
  const doc = (await xml2js.parseStringPromise(xml, { explicitChildren: true, preserveChildrenOrder: true, charsAsChildren: false, explicitRoot: true })) as { Objs: El };
  const top = doc.Objs.$$ ?? [];
  if (top.length !== 1) throw new Error(`expected one top value, got ${top.length}`);
  return decode(top[0]!);
}
