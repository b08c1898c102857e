// Loads the GSSAPI add-on (gssapi/bits_gssapi.c beside this file, built by
// scripts/install-kerberos.mjs) for the engine's Kerberos (engine/transport/auth/kerberos.ts) and
// for `doctor`. It is optional: a machine without MIT Kerberos' development files installs and
// runs everything else, and Kerberos is refused with a message that names the fix
// (KERBEROS_BUILD_FIX).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A credential handle: the add-on's; `release` destroys its private MEMORY ccache. */
export interface GssCredential {
  handle: unknown;
  /** TYPE:name of the cache the tickets come from (`MEMORY:…` for a password's). */
  ccache: string;
  principal: string;
  /** The TGT's times, seconds since the epoch, by the KDC's clock. */
  startTime: number;
  endTime: number;
  authTime: number;
  /** This machine's clock when the credential was acquired (seconds). */
  acquiredAt: number;
}

export interface GssStep {
  token: Buffer | null;
  complete: boolean;
  mutual: boolean;
}

export interface GssTicketInfo {
  ccache: string;
  principal: string;
  startTime: number;
  endTime: number;
  authTime: number;
}

/** What the add-on rejects with: `code` is the krb5 error code (or GSS minor status), `what` what failed (a principal, a cache, a target), `message` the library's words. */
export interface GssFailure extends Error {
  code: number;
  major: number;
  what: string;
}

export interface GssapiBinding {
  acquire(o: { ccache?: string } | { principal: string; password: string }): Promise<GssCredential>;
  release(handle: unknown): void;
  newContext(): unknown;
  step(handle: unknown, target: string, input: Buffer | null, context: unknown): Promise<GssStep>;
  cacheInfo(ccache: string | null): GssTicketInfo;
}

/** <package root>/module/common/gssapi/build/Release/bits_gssapi.node (this file runs from dist/module/common/). */
export const GSSAPI_ADDON_PATH = fileURLToPath(new URL('../../../module/common/gssapi/build/Release/bits_gssapi.node', import.meta.url));

export const KERBEROS_BUILD_FIX =
  'install MIT Kerberos\' development files (Debian/Ubuntu: apt-get install libkrb5-dev; Fedora: dnf install krb5-devel) and build the add-on with "node scripts/install-kerberos.mjs" in the bits-job2 folder (npm ci runs it), then restart the service (bits-job2 service stop)';

let loaded: GssapiBinding | { missing: string } | undefined;

/** The add-on, or why there is none (a sentence). Loaded once per process. */
export function gssapi(path = GSSAPI_ADDON_PATH): GssapiBinding | { missing: string } {
  if (loaded && path === GSSAPI_ADDON_PATH) return loaded;
  let result: GssapiBinding | { missing: string };
  if (process.platform === 'win32') result = { missing: 'Kerberos off Windows BITS is built for Linux and macOS only' };
  else if (!existsSync(path)) result = { missing: `Kerberos support is not built (no ${path})` };
  else {
    try {
      result = createRequire(import.meta.url)(path) as GssapiBinding;
    } catch (e) {
      result = { missing: `the Kerberos add-on ${path} does not load (${(e as Error).message.split('\n')[0]})` };
    }
  }
  if (path === GSSAPI_ADDON_PATH) loaded = result;
  return result;
}
