// Digest in a farm (issue 17): every instance of a farm must accept the nonces any of them issued
// (a client that moves to another instance is not sent round again with stale=true), and a
// captured (nonce, nc) replayed at another instance must be refused there too.
//
// - The nonce key is a file next to the sessions, <sessionsDir>/digest-nonce.key: 32 random bytes,
//   mode 0600, made by the first instance that finds none. It is written whole under a temporary
//   name, fsynced, and link()ed into place, so a second instance starting at the same moment either
//   loses the link (EEXIST) and reads the winner's key, or finds the finished file — never a half
//   one. A key readable by group or others is refused: whoever reads it can mint nonces.
// - Spent nonce counts are rows of digest_nc in the farm's sessions.db (farm-registry.ts): the
//   (nonce, nc) primary key makes the first instance to insert a pair the only one to accept it.
//   Rows go when their nonce expires.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NonceCounts } from './digest-server.js';

export const NONCE_KEY_FILE = 'digest-nonce.key';
const KEY_BYTES = 32;
/** Expired rows are deleted at most this often. */
const PRUNE_EVERY_MS = 60_000;

/** Reads the farm's nonce key, making it first if this is the first instance. */
export async function loadFarmNonceKey(sessionsDir: string): Promise<Buffer> {
  const file = join(sessionsDir, NONCE_KEY_FILE);
  const existing = await readKey(file);
  if (existing) return existing;
  await mkdir(sessionsDir, { recursive: true });
  const temp = join(sessionsDir, `.${NONCE_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}`);
  const fh = await open(temp, 'wx', 0o600);
  try {
    await fh.writeFile(randomBytes(KEY_BYTES));
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(temp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another instance made it first: theirs is the key
  } finally {
    await unlink(temp);
  }
  const key = await readKey(file);
  if (!key) throw new Error(`${file} vanished while it was being made`);
  return key;
}

async function readKey(file: string): Promise<Buffer | null> {
  const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (!st) return null;
  if ((st.mode & 0o077) !== 0) throw new Error(`${file} may be read by other users (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it, or delete it to have a new key made`);
  const key = await readFile(file);
  if (key.length !== KEY_BYTES) throw new Error(`${file} is not a nonce key of ${KEY_BYTES} bytes: delete it to have a new one made`);
  return key;
}

/** Nonce counts spent anywhere in the farm, in <sessionsDir>/sessions.db. */
export class FarmNonceCounts implements NonceCounts {
  private readonly db: Database.Database;
  private readonly insert;
  private readonly prune;
  private prunedAt = 0;

  constructor(sessionsDir: string) {
    this.db = new Database(join(sessionsDir, 'sessions.db'), { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS digest_nc (nonce TEXT NOT NULL, nc INTEGER NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY (nonce, nc)) WITHOUT ROWID');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO digest_nc (nonce, nc, expires) VALUES (?, ?, ?)');
    this.prune = this.db.prepare('DELETE FROM digest_nc WHERE expires < ?');
  }

  spend(nonce: string, nc: number, expires: number, now: number): boolean {
    if (now - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = now;
      this.prune.run(now);
    }
    return this.insert.run(nonce, nc, expires).changes === 1;
  }

  close(): void {
    this.db.close();
  }
}
