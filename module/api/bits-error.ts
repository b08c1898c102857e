// BitsError: the one error type of the TypeScript API. It carries the unsigned HRESULT, its name,
// the BITS error context and a message that says what to do (DESIGN §2).
import { ErrorContext, nameOf } from './enums.js';
import { hex, hresultMessage, hresultName, toUnsigned } from './hresult.js';

export interface BitsErrorJSON {
  hresult: number;
  hresultHex: string;
  name: string;
  context: number;
  contextName: string;
  message: string;
  /** Extra, code-specific data (e.g. `size` for BG_E_TOO_LARGE). Never secrets. */
  data?: Record<string, unknown>;
}

/**
 * The brand every BitsError carries, from the global symbol registry: two copies of this package in
 * one process (a dependency of a dependency, a bundled copy) share it, so `instanceof BitsError` and
 * BitsError.is() recognise each other's errors (undici does the same with Symbol.for).
 */
const BRAND = Symbol.for('bits-job2.BitsError');

export class BitsError extends Error {
  readonly hresult: number;
  readonly context: number;
  readonly data?: Record<string, unknown>;

  constructor(hresult: number, message?: string, context: number = ErrorContext.NONE, data?: Record<string, unknown>) {
    const hr = toUnsigned(hresult);
    super(message ?? hresultMessage(hr));
    this.name = 'BitsError';
    Object.defineProperty(this, BRAND, { value: true });
    this.hresult = hr;
    this.context = context;
    if (data) this.data = data;
  }

  /** A BitsError of any copy of this package (the brand, not the prototype chain). */
  static is(e: unknown): e is BitsError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
  }

  static override [Symbol.hasInstance](e: unknown): boolean {
    // Subclasses (HttpTransferError) keep the ordinary prototype test; BitsError itself goes by brand.
    return this === BitsError ? BitsError.is(e) : Function.prototype[Symbol.hasInstance].call(this, e);
  }

  /** The BG_E_* (or other) symbolic name of the HRESULT. */
  get code(): string {
    return hresultName(this.hresult);
  }
  get hresultHex(): string {
    return hex(this.hresult);
  }
  get contextName(): string {
    return String(nameOf(ErrorContext, this.context) ?? this.context);
  }

  toJSON(): BitsErrorJSON {
    return {
      hresult: this.hresult,
      hresultHex: this.hresultHex,
      name: this.code,
      context: this.context,
      contextName: this.contextName,
      message: this.message,
      ...(this.data ? { data: this.data } : {}),
    };
  }

  static fromJSON(j: Pick<BitsErrorJSON, 'hresult' | 'message'> & Partial<BitsErrorJSON>): BitsError {
    return new BitsError(j.hresult, j.message, j.context ?? ErrorContext.NONE, j.data);
  }

  /** Wrap anything thrown into a BitsError (unknown failures become E_FAIL with the original text). */
  static from(e: unknown): BitsError {
    if (e instanceof BitsError) return e;
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err === 'object' && 'code' in err) {
      const hr = errnoToHResult(err.code);
      if (hr !== undefined) return new BitsError(hr, `${hresultMessage(hr)} (${err.message})`, ErrorContext.LOCAL_FILE);
    }
    return new BitsError(0x80004005, err instanceof Error ? err.message : String(e), ErrorContext.UNKNOWN);
  }
}

/** Node errno codes → the Windows HRESULT a BITS user would see for the same failure. */
export function errnoToHResult(code: string | undefined): number | undefined {
  switch (code) {
    case 'ENOENT': case 'ENOTDIR': return 0x80070003; // ERROR_PATH_NOT_FOUND
    // Windows answers a rename onto a directory with access denied, too.
    case 'EACCES': case 'EPERM': case 'EROFS': case 'EISDIR': case 'ENOTEMPTY': case 'EBUSY': return 0x80070005; // E_ACCESSDENIED
    case 'ENOSPC': case 'EDQUOT': case 'EFBIG': return 0x80070070; // ERROR_DISK_FULL
    case 'ENOMEM': return 0x8007000e;
    default: return undefined;
  }
}

/** Builds a BitsError with the standard message for `hr` followed by a hint on what to do. */
export function bitsError(hr: number, hint?: string, context: number = ErrorContext.NONE, data?: Record<string, unknown>): BitsError {
  const base = hresultMessage(hr);
  return new BitsError(hr, hint ? `${base} ${hint}` : base, context, data);
}
