// Secrets at rest (spec §3.7, DESIGN §4): credentials are sealed with AES-256-GCM under a per-user
// key kept in `<stateDir>/secret.key` (32 random bytes, mode 0600, created once, never logged). The
// store only ever holds the sealed form; plaintext exists in memory while a transfer needs it.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { bitsError } from '../api/bits-error.js';
import { ErrorContext } from '../api/enums.js';
import { HR } from '../api/hresult.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1'; // prefix so the sealing can change without guessing

export class Vault {
  private constructor(private readonly key: Buffer) {}

  /** Opens (or creates, exclusively, 0600) the key file of a state directory. */
  static open(stateDir: string): Vault {
    const path = join(stateDir, 'secret.key');
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, randomBytes(KEY_BYTES));
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (process.platform !== 'win32') chmodSync(path, 0o600);
    const key = readFileSync(path);
    if (key.length !== KEY_BYTES) {
      throw bitsError(HR.BG_E_DATABASE_CORRUPT, `The key file ${path} is damaged (${key.length} bytes): stored credentials cannot be read. Remove it and set the credentials again.`, ErrorContext.GENERAL_QUEUE_MANAGER);
    }
    return new Vault(key);
  }

  seal(value: unknown): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return `${FORMAT}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  unseal<T>(sealed: string): T {
    const [format, data] = sealed.split(':', 2);
    if (format !== FORMAT || !data) throw bitsError(HR.BG_E_DATABASE_CORRUPT, 'A stored credential has an unknown format: set the credentials again.', ErrorContext.GENERAL_QUEUE_MANAGER);
    const raw = Buffer.from(data, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as T;
    } catch {
      // Never echo the sealed text or the cause: either may help an attacker.
      throw bitsError(HR.BG_E_DATABASE_CORRUPT, 'A stored credential cannot be decrypted (the key file changed?): set the credentials again.', ErrorContext.GENERAL_QUEUE_MANAGER);
    }
  }
}
