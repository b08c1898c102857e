// TLS for the standalone server: a PEM certificate chain and key read from files, and read again on
// reload() (SIGHUP in `serve`). Reloading swaps the secure context for new handshakes only
// (tls.Server#setSecureContext): connections already open keep theirs, so sessions in flight —
// a fragment half sent on a keep-alive connection included — are not dropped.
import { readFile } from 'node:fs/promises';
import type { Server as HttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  /** PEM certificate (chain: leaf first, then intermediates). */
  certFile: string;
  /** PEM private key (unencrypted: a service cannot type a passphrase). */
  keyFile: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/** Reads and checks the pair (a key that does not match the certificate fails here, not at the first handshake). */
export async function loadTlsMaterial(files: TlsFiles): Promise<TlsMaterial> {
  const read = (what: string, file: string) =>
    readFile(file).catch((e: NodeJS.ErrnoException) => {
      throw new TypeError(`the TLS ${what} ${file} cannot be read (${e.code ?? e.message})`);
    });
  const [cert, key] = await Promise.all([read('certificate', files.certFile), read('key', files.keyFile)]);
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw new TypeError(`the TLS certificate ${files.certFile} and key ${files.keyFile} are not a usable PEM pair: ${(e as Error).message}`);
  }
  return { cert, key };
}

/** Reads the files again and uses them for every new connection; on any error the old pair stays. */
export async function reloadTls(server: HttpsServer, files: TlsFiles): Promise<void> {
  const m = await loadTlsMaterial(files);
  server.setSecureContext({ cert: m.cert, key: m.key });
}
