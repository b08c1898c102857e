// "Durable before reported", checked where it happens: on the service's system calls. The service
// runs under strace (every thread); a client makes sequential and pipelined changes (create, set
// properties, add files, resume onto a held server, suspend, cancel, complete). For every reply the
// service writes to the client socket, every frame written to the store's -wal file before that reply
// must be covered by an fsync/fdatasync of the -wal file that started after the frame was written
// and finished before the reply was sent. The store groups commits and syncs them on a pool thread
// (module/engine/store-commit.ts); a reply sent after the commit but before its sync — durable for a
// kill -9 but not for a power cut — fails this test.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobType } from '../module/api/enums.js';
import { ServiceClient } from '../module/service/client.js';
import { startGateServer } from './helpers/gate-server.js';
import { isAlive, MAIN_JS, readLockPid, waitFor, withService } from './helpers/service.js';

interface Event {
  call: string;
  /** The first argument with strace -y's path, e.g. `21</tmp/x/jobs.sqlite-wal>`. */
  target: string;
  args: string;
  /** Line of the call's start and of its end (the same line unless strace split it). */
  start: number;
  end: number;
}

/** strace -f output as calls with their start and end positions (a call split by another thread's lines is joined). */
function parseTrace(text: string): Event[] {
  const events: Event[] = [];
  const open = new Map<string, Event>();
  text.split('\n').forEach((line, i) => {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) return;
    const [, pid, rest] = m as unknown as [string, string, string];
    const resumed = /^<\.\.\. (\w+) resumed>/.exec(rest);
    if (resumed) {
      const e = open.get(pid);
      open.delete(pid);
      if (e && e.call === resumed[1]) {
        e.end = i;
        events.push(e);
      }
      return;
    }
    const unfinished = rest.endsWith(' <unfinished ...>');
    const call = /^(\w+)\(([^,)]*)(.*)$/.exec(unfinished ? rest.slice(0, -' <unfinished ...>'.length) : rest);
    if (!call) return;
    const e: Event = { call: call[1]!, target: call[2]!, args: call[3]!, start: i, end: i };
    if (unfinished) open.set(pid, e);
    else events.push(e);
  });
  return events.sort((a, b) => a.end - b.end);
}

test('every reply of the service leaves after the -wal frames written before it were synced', async () => {
  const http = await startGateServer();
  try {
    await withService(async (svc) => {
      const traceFile = join(mkdtempSync(join(tmpdir(), 'bj2-order-')), 'trace.txt');
      const strace = spawn('strace', ['-f', '-qq', '-y', '-s', '32', '-e', 'trace=pwrite64,pwritev,write,writev,fsync,fdatasync', '-o', traceFile, process.execPath, MAIN_JS, '--state-dir', svc.stateDir], { stdio: 'ignore' });
      svc.track(strace.pid!);
      const exited = new Promise<void>((r) => strace.once('exit', () => r()));
      try {
        await waitFor(() => readLockPid(svc.stateDir) !== undefined && existsSync(svc.socketPath), 20_000, 'the traced service to listen');
        const servicePid = readLockPid(svc.stateDir)!;
        svc.track(servicePid);
        const c = await ServiceClient.connect({ stateDir: svc.stateDir, autoStart: false });
        http.set('/held.bin', { body: Buffer.alloc(1000, 7), hold: true });
        const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => c.createJob(`order ${i}`, JobType.DOWNLOAD)));
        for (const id of ids) await c.setProperty(id, 'description', `one at a time ${id}`);
        await Promise.all(ids.map((id, i) => c.setProperty(id, 'priority', i % 2 ? JobPriority.FOREGROUND : JobPriority.HIGH)));
        await Promise.all(ids.map((id, i) => c.addFiles(id, [{ remoteName: `${http.url}/held.bin`, localName: join(svc.stateDir, `dest-${i}.bin`) }])));
        await c.setNotifyCmdLine(ids[0]!, '/bin/true', null);
        await c.resume(ids[1]!); // CONNECTING, held by the server
        await Promise.all([c.resume(ids[3]!), c.setProperty(ids[4]!, 'description', 'beside a resume')]);
        await c.suspend(ids[1]!);
        await c.cancel(ids[3]!);
        await Promise.all([c.complete(ids[2]!), c.cancel(ids[5]!), c.listJobs()]);
        await c.close();
        process.kill(servicePid, 'SIGTERM');
        await waitFor(() => !isAlive(servicePid), 20_000, 'the service to stop');
        await exited;

        const events = parseTrace(readFileSync(traceFile, 'utf8'));
        const isWal = (e: Event) => e.target.endsWith('jobs.sqlite-wal>');
        const frames = events.filter((e) => isWal(e) && e.call.startsWith('pwrite'));
        const syncs = events.filter((e) => isWal(e) && (e.call === 'fdatasync' || e.call === 'fsync'));
        const replies = events.filter((e) => /^(write|writev)$/.test(e.call) && e.target.includes('socket:') && e.args.includes('{\\"id\\":'));
        assert.ok(replies.length >= 34, `the client got its replies (${replies.length} seen)`);
        assert.ok(frames.length > 0 && syncs.length > 0, 'the store wrote and synced its -wal');
        for (const reply of replies) {
          // The newest frame written before this reply, and the newest sync that ended before it.
          const lastFrame = frames.filter((f) => f.end < reply.start).pop();
          if (!lastFrame) continue;
          const covering = syncs.find((s) => s.start > lastFrame.end && s.end < reply.start);
          assert.ok(covering, `reply at trace line ${reply.start + 1} (${reply.args.slice(0, 40)}) left before the -wal frame of line ${lastFrame.end + 1} was synced`);
        }
      } finally {
        if (strace.exitCode === null) strace.kill('SIGKILL');
        rmSync(join(traceFile, '..'), { recursive: true, force: true });
      }
    });
  } finally {
    await http.close();
  }
});

test.run();
