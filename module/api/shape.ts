// A small language for the shapes of the CLI's machine documents (module/api/outputs.ts): one
// declaration gives both the TypeScript type (`Infer`, which the CLI's presenters are checked
// against by the compiler) and a runtime check (`checkShape`, which the tests hold every command's
// real --json and --clixml output to). No second, hand-written schema exists.
// Objects are closed: a member the shape lacks is reported, as is a required member that is missing.

export type Shape =
  | { readonly kind: 'string' }
  | { readonly kind: 'number' }
  | { readonly kind: 'boolean' }
  /** A Date in the presenter, an ISO-8601 UTC string in the document (JSON) or a DateTime (CLIXML). */
  | { readonly kind: 'time' }
  /** One of these names (an enumeration of module/api/enums.ts, a status word). */
  | { readonly kind: 'names'; readonly values: readonly string[] }
  | { readonly kind: 'nullable'; readonly of: Shape }
  | { readonly kind: 'array'; readonly of: Shape }
  /** A map from any name to values of one shape (the `unavailable` of a snapshot, `set`'s values). */
  | { readonly kind: 'map'; readonly of: Shape }
  | { readonly kind: 'union'; readonly of: readonly Shape[] }
  /** Any JSON value: free-form data by design (BitsError's code-specific `data`). */
  | { readonly kind: 'json' }
  | ObjectShape;

export interface ObjectShape {
  readonly kind: 'object';
  readonly fields: Readonly<Record<string, Shape | Optional>>;
  /** A member named in the object's own `unavailable` map may be null (a native snapshot on a partial BITS). */
  readonly nullWhenUnavailable?: boolean;
}
/** A member the document may leave out. */
export interface Optional {
  readonly kind: 'optional';
  readonly of: Shape;
}

// ---- builders (their literal types carry the declaration into `Infer`) -------------------------

export const string = { kind: 'string' } as const;
export const number = { kind: 'number' } as const;
export const boolean = { kind: 'boolean' } as const;
export const time = { kind: 'time' } as const;
export const json = { kind: 'json' } as const;
export const names = <const V extends readonly string[]>(values: V) => ({ kind: 'names', values }) as const;
/** The names of an enumeration table ({ DOWNLOAD: 0, ... }). */
export const enumNames = <T extends Record<string, number>>(table: T) => names(Object.keys(table) as (keyof T & string)[]);
export const nullable = <const S extends Shape>(of: S) => ({ kind: 'nullable', of }) as const;
export const array = <const S extends Shape>(of: S) => ({ kind: 'array', of }) as const;
export const map = <const S extends Shape>(of: S) => ({ kind: 'map', of }) as const;
export const union = <const S extends readonly Shape[]>(...of: S) => ({ kind: 'union', of }) as const;
export const optional = <const S extends Shape>(of: S) => ({ kind: 'optional', of }) as const;
export const object = <const F extends Record<string, Shape | Optional>>(fields: F, options: { nullWhenUnavailable?: boolean } = {}) =>
  ({ kind: 'object', fields, ...options }) satisfies ObjectShape as { readonly kind: 'object'; readonly fields: F; readonly nullWhenUnavailable?: boolean };
/** `base` with more members (a job with its files); a member of `fields` replaces the base's of that name. */
export const extend = <const B extends Record<string, Shape | Optional>, const F extends Record<string, Shape | Optional>>(
  base: { readonly kind: 'object'; readonly fields: B; readonly nullWhenUnavailable?: boolean },
  fields: F,
) => {
  const merged: Omit<B, keyof F> & F = { ...base.fields, ...fields };
  return object(merged, base.nullWhenUnavailable ? { nullWhenUnavailable: true } : {});
};

// ---- the TypeScript type of a shape ------------------------------------------------------------

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type RequiredKeys<F> = { [K in keyof F]: F[K] extends Optional ? never : K }[keyof F];
type OptionalKeys<F> = { [K in keyof F]: F[K] extends Optional ? K : never }[keyof F];
type InferObject<F> = Simplify<
  { readonly [K in RequiredKeys<F>]: Infer<F[K]> } & { readonly [K in OptionalKeys<F>]?: F[K] extends Optional ? Infer<F[K]['of']> : never }
>;

/** The value a presenter may print for shape `S` (readonly, so that any array or object of the right form fits). */
export type Infer<S> = S extends { kind: 'string' } ? string
  : S extends { kind: 'number' } ? number
  : S extends { kind: 'boolean' } ? boolean
  : S extends { kind: 'time' } ? Date | string
  : S extends { kind: 'json' } ? unknown
  : S extends { kind: 'names'; values: readonly (infer V)[] } ? V
  : S extends { kind: 'nullable'; of: infer T } ? Infer<T> | null
  : S extends { kind: 'array'; of: infer T } ? readonly Infer<T>[]
  : S extends { kind: 'map'; of: infer T } ? { readonly [name: string]: Infer<T> | undefined }
  : S extends { kind: 'union'; of: readonly (infer U)[] } ? (U extends unknown ? Infer<U> : never)
  : S extends { kind: 'object'; fields: infer F } ? InferObject<F>
  : never;

// ---- the runtime check -------------------------------------------------------------------------

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function check(shape: Shape, v: unknown, at: string, out: string[]): void {
  const expect = (ok: boolean, what: string) => {
    if (!ok) out.push(`${at}: expected ${what}, got ${describe(v)}`);
  };
  switch (shape.kind) {
    case 'string': return expect(typeof v === 'string', 'a string');
    case 'number': return expect(typeof v === 'number' && Number.isFinite(v), 'a number');
    case 'boolean': return expect(typeof v === 'boolean', 'a boolean');
    case 'time': return expect((typeof v === 'string' && ISO_TIME.test(v)) || (v instanceof Date && !Number.isNaN(v.getTime())), 'an ISO-8601 UTC time');
    case 'json': return;
    case 'names': return expect(typeof v === 'string' && shape.values.includes(v), `one of ${shape.values.join(', ')}`);
    case 'nullable':
      if (v !== null) check(shape.of, v, at, out);
      return;
    case 'array':
      if (!Array.isArray(v)) return expect(false, 'an array');
      v.forEach((item, i) => check(shape.of, item, `${at}[${i}]`, out));
      return;
    case 'map':
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return expect(false, 'an object');
      for (const [k, m] of Object.entries(v)) check(shape.of, m, `${at}.${k}`, out);
      return;
    case 'union': {
      const tries = shape.of.map((s) => {
        const errors: string[] = [];
        check(s, v, at, errors);
        return errors;
      });
      if (tries.some((e) => e.length === 0)) return;
      // The closest alternative's complaints say most about what is wrong.
      out.push(...tries.reduce((a, b) => (b.length < a.length ? b : a)));
      return;
    }
    case 'object': {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return expect(false, 'an object');
      const doc = v as Record<string, unknown>;
      const unavailable = shape.nullWhenUnavailable && doc.unavailable && typeof doc.unavailable === 'object' ? (doc.unavailable as Record<string, unknown>) : {};
      for (const [name, field] of Object.entries(shape.fields)) {
        const optional = field.kind === 'optional';
        if (!(name in doc) || doc[name] === undefined) {
          if (!optional) out.push(`${at}: omits the member '${name}' its shape has`);
          continue;
        }
        if (doc[name] === null && name in unavailable) continue;
        check(optional ? field.of : field, doc[name], `${at}.${name}`, out);
      }
      for (const name of Object.keys(doc)) if (!(name in shape.fields)) out.push(`${at}: has the member '${name}' its shape lacks`);
      return;
    }
  }
}

/** What is wrong with `value` as a document of `shape`: one line per problem (none: it fits). */
export function checkShape(shape: Shape, value: unknown, at = '$'): string[] {
  const out: string[] = [];
  check(shape, value, at, out);
  return out;
}
