// The download's temp file: positional writes, truncation, durability (fdatasync/fsync) and the
// final time stamp. Every failure becomes a LOCAL_FILE HttpTransferError, so callers never see a
// raw errno.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dropBytes } from '../../io/chunk-queue.js';
import { localFileError } from './errors.js';

export class TempFile {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Opens read-write, creating it if missing; never truncates (resume needs the bytes). */
  static async open(path: string): Promise<TempFile> {
    try {
      return new TempFile(path, await open(path, constants.O_RDWR | constants.O_CREAT, 0o644));
    } catch (e) {
      throw localFileError(e, path);
    }
  }

  private async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw localFileError(e, this.path);
    }
  }

  size(): Promise<number> {
    return this.guard(async () => (await this.handle.stat()).size);
  }

  /** Cuts (or extends) the file to `length`; a no-op when it already has that size (so special files such as /dev/full work in tests). */
  truncate(length: number): Promise<void> {
    return this.guard(async () => {
      if ((await this.handle.stat()).size !== length) await this.handle.truncate(length);
    });
  }

  /** Writes all of `chunk` at `position` (a regular file may accept only part of a write, e.g. at ENOSPC). */
  write(chunk: Uint8Array, position: number): Promise<void> {
    return this.guard(async () => {
      let done = 0;
      while (done < chunk.length) {
        const { bytesWritten } = await this.handle.write(chunk, done, chunk.length - done, position + done);
        if (bytesWritten === 0) throw Object.assign(new Error(`no bytes written to ${this.path}`), { code: 'ENOSPC' });
        done += bytesWritten;
      }
    });
  }

  /**
   * Writes all of `chunks` back to back from `position` with as few system calls as the kernel
   * allows (one pwritev per batch of socket chunks); continues after a partial write like write().
   */
  writev(chunks: Buffer[], position: number): Promise<void> {
    return this.guard(async () => {
      let rest = chunks;
      let at = position;
      const end = position + chunks.reduce((n, c) => n + c.length, 0);
      while (at < end) {
        const { bytesWritten } = await this.handle.writev(rest, at);
        if (bytesWritten === 0) throw Object.assign(new Error(`no bytes written to ${this.path}`), { code: 'ENOSPC' });
        at += bytesWritten;
        rest = dropBytes(rest, bytesWritten);
      }
    });
  }

  /** Data durable (checkpoints): cheaper than fsync, metadata such as mtime may still be in flight. */
  datasync(): Promise<void> {
    return this.guard(() => this.handle.datasync());
  }

  /** Data and metadata durable (completion). */
  sync(): Promise<void> {
    return this.guard(() => this.handle.sync());
  }

  /** BITS stamps a downloaded file with the server's Last-Modified time. */
  setModifiedTime(mtime: Date): Promise<void> {
    return this.guard(() => this.handle.utimes(new Date(), mtime));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.guard(() => this.handle.close());
  }
}

