// Publishing across file systems (issue 17): the upload root is a real tmpfs mounted by this test
// (we are root; it is unmounted at the end, also when a test fails), the session directory is on the
// disk, so Close-Session copies instead of renaming. `serve` is killed with SIGKILL in the middle of
// the publish — once while the copy is being written, once just after the copy took its final name —
// then started again on the same directories; the client's retried Close-Session must answer 200,
// the file must be whole and published once, and no temporary copy may be left behind.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { watch } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startChildServer, type ChildServer, fragment, packet, RawConnection } from './helpers/bits-server.js';
import { makeTmpDir } from './helpers/tmp.js';

const tmp = await makeTmpDir('bits-crossfs');
const root = tmp.file('root');
const sessions = tmp.file('sessions');
await mkdir(root);
await mkdir(sessions);
execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1g,mode=0755', 'bits-crossfs', root]);
let mounted = true;
function unmount(): void {
  if (!mounted) return;
  mounted = false;
  try {
    execFileSync('umount', [root]);
  } catch {
    execFileSync('umount', ['-l', root]); // a straggler still holds it: detach now, freed when it lets go
  }
}
process.on('exit', unmount);

let server: ChildServer | undefined;
const serve = () => startChildServer(['--root', root, '--sessions-dir', sessions, '--log-format', 'json']);

test.after(async () => {
  await server?.stop();
  unmount();
  await tmp.cleanup();
});

/** Uploads `size` bytes (a pattern with no repeats at fragment boundaries) to `name`, all but Close-Session. */
async function uploadAll(port: number, name: string, size: number): Promise<{ id: string; bytes: Buffer }> {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
  const c = await RawConnection.open(port);
  const cr = await c.send(packet(`/${name}`, 'Create-Session'));
  assert.is(cr.status, 200, cr.rawHead);
  const id = cr.headers['bits-session-id']!;
  const piece = 16 * 1024 * 1024 - 1024;
  for (let at = 0; at < size; at += piece) {
    const ack = await c.send(fragment(`/${name}`, id, at, bytes.subarray(at, Math.min(size, at + piece)), size));
    assert.is(ack.status, 200, ack.rawHead);
  }
  c.close();
  return { id, bytes };
}

/**
 * Sends Close-Session and SIGKILLs the server the moment a name in the root matching `when` appears
 * (or when the Close is answered without it: then the kill came too late, which the caller sees).
 */
async function closeAndKillWhen(s: ChildServer, id: string, name: string, when: (file: string) => boolean): Promise<void> {
  const watcher = watch(root);
  const exited = once(s.child, 'exit');
  watcher.on('change', (_type, file) => {
    if (typeof file === 'string' && when(file)) s.child.kill('SIGKILL');
  });
  const c = await RawConnection.open(s.port);
  void c.send(packet(`/${name}`, 'Close-Session', { sessionId: id })).then(() => s.child.kill('SIGKILL'), () => undefined);
  await exited;
  watcher.close();
  c.close();
}

async function temporaries(): Promise<string[]> {
  return (await readdir(root)).filter((f) => f.endsWith('.bits-tmp'));
}

async function closeAgain(port: number, name: string, id: string): Promise<number> {
  const c = await RawConnection.open(port);
  const r = await c.send(packet(`/${name}`, 'Close-Session', { sessionId: id }));
  c.close();
  return r.status;
}

test('the two directories are on different file systems (so publishing copies)', async () => {
  assert.is.not((await stat(root)).dev, (await stat(sessions)).dev);
});

test('killed while the copy is written: the retried Close-Session publishes the whole file', async () => {
  server = await serve();
  const size = 192 * 1024 * 1024;
  const { id, bytes } = await uploadAll(server.port, 'big.bin', size);
  await closeAndKillWhen(server, id, 'big.bin', (f) => f.endsWith('.bits-tmp'));
  const left = await temporaries();
  assert.is(left.length, 1, 'the kill came while the copy was being written: it is still there');
  assert.ok((await stat(`${root}/${left[0]}`)).size < size, 'and partial');
  assert.not.ok(await stat(`${root}/big.bin`).then(() => true, () => false), 'nothing was published yet');

  server = await serve();
  assert.is(await closeAgain(server.port, 'big.bin', id), 200, 'the retry answers 200');
  assert.ok((await readFile(`${root}/big.bin`)).equals(bytes), 'the published file is whole');
  assert.equal(await temporaries(), [], 'no temporary copy is left');
  await server.stop();
  server = undefined;
});

test('killed just after the copy took its final name: the retry answers 200 and does not publish again', async () => {
  // The kill must land between the link into place and the server forgetting the session (a few
  // syscalls); try until it does, each time with a new file.
  let caught: { name: string; id: string; bytes: Buffer } | undefined;
  for (let attempt = 0; attempt < 25 && !caught; attempt++) {
    server = await serve();
    const name = `after-${attempt}.bin`;
    const { id, bytes } = await uploadAll(server.port, name, 8 * 1024 * 1024);
    await closeAndKillWhen(server, id, name, (f) => f === name);
    const sessionLeft = await stat(`${sessions}/Requests/${id}`).then(() => true, () => false);
    const published = await stat(`${root}/${name}`).then(() => true, () => false);
    if (published && sessionLeft) caught = { name, id, bytes };
    else await server.stop(); // already exited; the kill came too late this time
  }
  assert.ok(caught, 'in 25 tries a kill landed after the publish and before the session was forgotten');
  const { name, id, bytes } = caught!;
  server = await serve();
  assert.is(await closeAgain(server.port, name, id), 200, 'the retried Close-Session is a success, not 409');
  assert.ok((await readFile(`${root}/${name}`)).equals(bytes), 'the published file is whole');
  assert.equal(await temporaries(), [], 'the copy\'s temporary name is gone');
  assert.not.ok(await stat(`${sessions}/Requests/${id}`).then(() => true, () => false), 'the session is forgotten');
  const log = server.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { action?: string; session?: string });
  assert.ok(log.some((e) => e.action === 'published-before' && e.session === id), 'the retry recognised its own copy');
  assert.not.ok(log.some((e) => e.action === 'published' && e.session === id), 'and did not publish again');
  await server.stop();
  server = undefined;
});

test.run();
