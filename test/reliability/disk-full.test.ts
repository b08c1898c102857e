// Disk full (issue 7). The test mounts a 2 MiB tmpfs (the container runs as root; a failing mount
// fails the test rather than skipping it) and fills it with a transfer:
//   * a download into it ends in ERROR with ERROR_DISK_FULL (0x80070070, context LOCAL_FILE), the
//     destination is not created and files already there are untouched; after the tmpfs is grown
//     (space freed) Resume finishes the job byte-exact;
//   * a reply file on the full disk: the same for the reply of an upload-reply job;
//   * our BITS server with its sessions on the full disk answers 500 + 0x80070070, which the client
//     treats as transient (spec §7) and retries: after space is freed the upload publishes byte-exact.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorContext, JobState, JobType } from '../../module/api/enums.js';
import { startBitsServer } from '../../module/server/index.js';
import { ServiceClient } from '../../module/service/client.js';
import { stateOf, waitJob, waitState } from '../helpers/assert-bits.js';
import { contentOf, contentSha256, startFaultServer } from '../helpers/fault-server.js';
import { readLockPid, withService } from '../helpers/service.js';
import { sha256File } from '../helpers/tmp.js';

const ERROR_DISK_FULL = 0x80070070;
const MiB = 1024 * 1024;

/** A tmpfs of `size` at a fresh directory; grow() stands for "the user freed space". */
async function withSmallDisk(fn: (disk: { path: string; grow(): void }) => Promise<void>): Promise<void> {
  const path = mkdtempSync(join(tmpdir(), 'bj2-rel-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'tmpfs', path]);
  try {
    await fn({ path, grow: () => execFileSync('mount', ['-o', 'remount,size=32m', path]) });
  } finally {
    execFileSync('umount', ['-l', path]);
    rmSync(path, { recursive: true, force: true });
  }
}

test('download onto a full disk: ERROR_DISK_FULL, nothing published or damaged, finishes after space is freed', async () => {
  const web = await startFaultServer();
  try {
    await withSmallDisk(async (disk) => {
      const bystander = join(disk.path, 'already-here.txt');
      writeFileSync(bystander, 'keep me\n');
      await withService(async (svc) => {
        const c = await ServiceClient.connect({ stateDir: svc.stateDir });
        svc.track(readLockPid(svc.stateDir)!);
        const size = 5 * MiB;
        const id = await c.createJob('disk full', JobType.DOWNLOAD);
        const dest = join(disk.path, 'big.bin');
        await c.addFiles(id, [{ remoteName: `${web.url}/file/big.bin?size=${size}`, localName: dest }]);
        await c.resume(id);
        const failed = await waitJob(c, id, (s) => s.state === JobState.ERROR || s.state === JobState.TRANSFERRED, 'the job to fail', 60_000);
        assert.is(stateOf(failed), 'ERROR');
        assert.is(failed.error?.hresult, ERROR_DISK_FULL, JSON.stringify(failed.error));
        assert.is(failed.error?.context, ErrorContext.LOCAL_FILE);
        assert.match(failed.error!.message, /free disk space/, 'the message says what to do');
        assert.not.ok(existsSync(dest), 'the destination is not created from a partial file');
        assert.is(readFileSync(bystander, 'utf8'), 'keep me\n', 'other files on the disk are untouched');

        disk.grow();
        await c.resume(id);
        await waitState(c, id, 'TRANSFERRED', 60_000);
        await c.complete(id);
        assert.is(await sha256File(dest), contentSha256('big.bin', size), 'byte-exact after the resume');
        assert.equal(readdirSync(disk.path).sort(), ['already-here.txt', 'big.bin'], 'no temporary file left');
        await c.close();
      });
    });
  } finally {
    await web.close();
  }
});

test('reply file on a full disk: ERROR_DISK_FULL, then the reply arrives after space is freed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-rel-full-reply-'));
  const reply = contentOf('reply', 4 * MiB);
  mkdirSync(join(dir, 'root'));
  const server = await startBitsServer({ root: join(dir, 'root'), replyHandler: () => ({ reply }) });
  try {
    const src = join(dir, 'up.bin');
    writeFileSync(src, contentOf('up', 64 * 1024));
    await withSmallDisk(async (disk) => {
      await withService(async (svc) => {
        const c = await ServiceClient.connect({ stateDir: svc.stateDir });
        svc.track(readLockPid(svc.stateDir)!);
        const id = await c.createJob('reply on a full disk', JobType.UPLOAD_REPLY);
        await c.addFiles(id, [{ remoteName: `${server.url}up.bin`, localName: src }]);
        const replyFile = join(disk.path, 'up.reply');
        await c.setReplyFileName(id, replyFile);
        await c.resume(id);
        const failed = await waitJob(c, id, (s) => s.state === JobState.ERROR || s.state === JobState.TRANSFERRED, 'the job to fail', 60_000);
        assert.is(stateOf(failed), 'ERROR');
        assert.is(failed.error?.hresult, ERROR_DISK_FULL, JSON.stringify(failed.error));
        disk.grow();
        await c.resume(id);
        await waitState(c, id, 'TRANSFERRED', 60_000);
        assert.is((await c.getReplyProgress(id)).bytesTransferred, reply.length, 'the whole reply arrived');
        await c.complete(id);
        assert.ok(readFileSync(replyFile).equals(reply), 'the reply file is byte-exact');
        await c.close();
      });
    });
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the BITS server runs out of disk: 500 + ERROR_DISK_FULL, the client retries and publishes byte-exact after space is freed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-rel-full-server-'));
  const payload = contentOf('server-full', 6 * MiB);
  writeFileSync(join(dir, 'payload.bin'), payload);
  try {
    await withSmallDisk(async (disk) => {
      const server = await startBitsServer({ root: disk.path });
      try {
        await withService(async (svc) => {
          const c = await ServiceClient.connect({ stateDir: svc.stateDir });
          svc.track(readLockPid(svc.stateDir)!);
          const id = await c.createJob('server disk full', JobType.UPLOAD);
          await c.setProperty(id, 'minimumRetryDelay', 5);
          await c.addFiles(id, [{ remoteName: `${server.url}payload.bin`, localName: join(dir, 'payload.bin') }]);
          await c.resume(id);
          const transient = await waitJob(c, id, (s) => s.state !== JobState.QUEUED && s.state !== JobState.CONNECTING && s.state !== JobState.TRANSFERRING, 'the job to stop', 60_000);
          assert.is(stateOf(transient), 'TRANSIENT_ERROR', JSON.stringify(transient.error));
          assert.is(transient.error?.hresult, ERROR_DISK_FULL, JSON.stringify(transient.error));
          assert.is(transient.error?.context, ErrorContext.REMOTE_FILE, 'the server side is at fault');
          disk.grow();
          await waitState(c, id, 'TRANSFERRED', 60_000); // the retry timer resumes it
          await c.complete(id);
          assert.ok(readFileSync(join(disk.path, 'payload.bin')).equals(payload), 'published byte-exact');
          await c.close();
        });
      } finally {
        await server.close();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
