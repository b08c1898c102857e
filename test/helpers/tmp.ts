// Temporary directories that clean up after themselves, and file hashing for content checks.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface TmpDir {
  path: string;
  /** Path of `name` inside the directory. */
  file(name: string): string;
  cleanup(): Promise<void>;
}

export async function makeTmpDir(prefix: string): Promise<TmpDir> {
  const path = await mkdtemp(join(tmpdir(), `${prefix.replace(/[^\w.-]/g, '_')}-`));
  return {
    path,
    file: (name) => join(path, name),
    cleanup: () => rm(path, { recursive: true, force: true }),
  };
}

/** sha256 of a file, hex; streamed so big files cost no memory. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
