// A real bottleneck link for the bandwidth tests and benchmarks (issue 19): a server and a client
// network namespace, each joined by a veth pair to a router namespace between them (addresses only
// inside them: 10.77.0.1 server, 10.77.1.2 client), the router's `tc` HTB shaping both directions to a
// few tens of Mbit/s with a byte FIFO behind it so a standing queue builds delay (this kernel has
// htb, not netem/tbf). Why a router and not the server's own veth: a queue in the *sender's* qdisc
// is seen by its TCP (TCP small queues count those bytes against the socket), so a flow that started
// first kept its large share and a second one never grew its window — measured on the old
// two-namespace link, a curl started 3 s after another got 1.6 of 40 Mbit/s (reno); through the
// router it gets 21.0 (reno) / 22.5 (BBR), about half, as on a real link whose queue is in a router
// or modem. nginx serves a sparse file on the server side;
// clients (curl, the engine driver) run on the client side with `ip netns exec`. For the upload
// direction: `bits-job2 serve` in the server namespace, a bulk TCP upload of another application
// (tcpUploadRate) and the server side's link counter (uplinkBytes / uplinkRate).
//
// Cleanup: close() stops nginx by PID and deletes both namespaces (which removes the veth pair); an
// exit hook does the same if a test dies first; and start-up deletes namespaces left by an earlier
// run whose process is gone (names carry the creating pid). Needs root (CI runs as root).
//
// One link at a time on the machine (LINK_LOCK, lock-file.ts), held from start-up to close(): each
// test on it measures rates, and run-all runs two files at a time. Two links side by side (two
// engines, servers and curls on 2 cores) once left a lone background download at 14 % of its link
// (bottleneck-yield, a fresh-clone run): the yield controller's 5 ms delay target reads scheduling
// delay of a busy host as queueing.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { acquireLockFile } from './lock-file.js';
import { running, stopProcess } from './nginx.js';
import { CLI_JS } from './cli.js';

export const SERVER_IP = '10.77.0.1';
export const CLIENT_IP = '10.77.1.2';
const ROUTER_SERVER_SIDE = '10.77.0.254';
const ROUTER_CLIENT_SIDE = '10.77.1.254';
const PORT = 8080;
const PREFIX = 'bj2bn';
/** The machine-wide lock of the one link at a time (see the top of this file). */
const LINK_LOCK = join(tmpdir(), 'bits-job2-bottleneck.lock');
const CC_FILE = '/proc/sys/net/ipv4/tcp_congestion_control';

export interface BottleneckOptions {
  /** Link rate in Mbit/s, each direction (default 40). */
  rateMbit?: number;
  /** Bytes the bottleneck queue holds before it drops (default 500 kB ≈ 100 ms at 40 Mbit/s). */
  queueBytes?: number;
  /** Size of the sparse file served as /big.bin (default 4 GiB). */
  fileBytes?: number;
  /**
   * TCP congestion control inside both namespaces (net.ipv4.tcp_congestion_control is per namespace;
   * default: the host's). "reno" is always allowed in a child namespace and, like CUBIC, fills the
   * queue until it drops — the competing traffic a background job must see; BBR keeps a short queue.
   */
  congestionControl?: string;
}

export interface Bottleneck {
  rateMbit: number;
  /** The congestion control both namespaces use. */
  congestionControl: string;
  serverNs: string;
  clientNs: string;
  /** http://10.77.0.1:8080 — reachable from the client namespace only. */
  url: string;
  /** Root served by nginx (drop more files here). */
  root: string;
  /** argv prefix that runs a command in the client namespace. */
  inClient(cmd: string, args: string[]): [string, string[]];
  /** The router namespace between them, whose egress queues are the bottleneck. */
  routerNs: string;
  /** Bytes queued at the download bottleneck right now (the router's side toward the client), from `tc -s`. */
  queuedBytes(): number;
  close(): Promise<void>;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const ipNetnsExec = (ns: string, ...argv: string[]) => ip('netns', 'exec', ns, ...argv);
const tc = (ns: string, ...args: string[]) => execFileSync('tc', ['-n', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function deleteNamespace(ns: string): void {
  try {
    // Processes still inside (a server or client of a dead run) go first, by their pid.
    for (const pid of ip('netns', 'pids', ns).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    ip('netns', 'del', ns);
  } catch {
    /* already gone */
  }
}

/** Namespaces of earlier runs whose creating process is dead. */
export function removeStaleNamespaces(): string[] {
  const removed: string[] = [];
  let list = '';
  try {
    list = ip('netns', 'list');
  } catch {
    return removed;
  }
  for (const line of list.split('\n')) {
    const m = new RegExp(`^(${PREFIX}[scr]-(\\d+))\\b`).exec(line.trim());
    if (m && !alive(Number(m[2]))) {
      deleteNamespace(m[1]!);
      removed.push(m[1]!);
    }
  }
  return removed;
}

/** HTB root with one class at `rate` and a byte FIFO leaf: the queue that builds delay. */
function shape(ns: string, dev: string, rateMbit: number, queueBytes: number): void {
  tc(ns, 'qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '10');
  tc(ns, 'class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', `${rateMbit}mbit`, 'ceil', `${rateMbit}mbit`, 'quantum', '6000');
  tc(ns, 'qdisc', 'add', 'dev', dev, 'parent', '1:10', 'handle', '10:', 'bfifo', 'limit', String(queueBytes));
}

export async function startBottleneck(o: BottleneckOptions = {}): Promise<Bottleneck> {
  if (process.getuid?.() !== 0) throw new Error('the bottleneck link needs root (ip netns, tc): run the tests as root, as CI does');
  const releaseLink = await acquireLockFile(LINK_LOCK, 'the bottleneck link', 10 * 60_000);
  removeStaleNamespaces();
  const rateMbit = o.rateMbit ?? 40;
  const queueBytes = o.queueBytes ?? 500_000;
  const serverNs = `${PREFIX}s-${process.pid}`;
  const clientNs = `${PREFIX}c-${process.pid}`;
  const routerNs = `${PREFIX}r-${process.pid}`;
  const vs = `${PREFIX}s${process.pid}`.slice(0, 15);
  const vc = `${PREFIX}c${process.pid}`.slice(0, 15);
  const rs = `${PREFIX}rs${process.pid}`.slice(0, 15); // the router's end toward the server
  const rc = `${PREFIX}rc${process.pid}`.slice(0, 15); // the router's end toward the client
  const namespaces = [clientNs, serverNs, routerNs];
  const root = mkdtempSync(join(tmpdir(), 'bj2-bottleneck-'));
  chmodSync(root, 0o755); // nginx's workers (www-data) read it
  let nginx: ChildProcess | null = null;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    process.removeListener('exit', onExit);
    if (nginx) {
      await stopProcess(nginx);
      running.delete(nginx.pid!);
    }
    namespaces.forEach(deleteNamespace);
    rmSync(root, { recursive: true, force: true });
    releaseLink();
  };
  const onExit = () => {
    namespaces.forEach(deleteNamespace);
    releaseLink();
  };
  process.on('exit', onExit);
  try {
    for (const ns of namespaces) ip('netns', 'add', ns);
    ip('link', 'add', vs, 'netns', serverNs, 'type', 'veth', 'peer', 'name', rs, 'netns', routerNs);
    ip('link', 'add', vc, 'netns', clientNs, 'type', 'veth', 'peer', 'name', rc, 'netns', routerNs);
    ip('-n', serverNs, 'addr', 'add', `${SERVER_IP}/24`, 'dev', vs);
    ip('-n', routerNs, 'addr', 'add', `${ROUTER_SERVER_SIDE}/24`, 'dev', rs);
    ip('-n', clientNs, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', vc);
    ip('-n', routerNs, 'addr', 'add', `${ROUTER_CLIENT_SIDE}/24`, 'dev', rc);
    for (const [ns, dev] of [[serverNs, vs], [clientNs, vc], [routerNs, rs], [routerNs, rc]] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    ip('-n', serverNs, 'route', 'add', 'default', 'via', ROUTER_SERVER_SIDE);
    ip('-n', clientNs, 'route', 'add', 'default', 'via', ROUTER_CLIENT_SIDE);
    // /proc/sys/net shows the namespace of the process that opens it (no procps needed).
    const sysctl = (ns: string, file: string, value: string) => ipNetnsExec(ns, process.execPath, '-e', `require('fs').writeFileSync('${file}', ${JSON.stringify(value)})`);
    sysctl(routerNs, '/proc/sys/net/ipv4/ip_forward', '1');
    shape(routerNs, rc, rateMbit, queueBytes); // downloads: server → client
    shape(routerNs, rs, rateMbit, queueBytes); // uploads: client → server
    if (o.congestionControl) for (const ns of [serverNs, clientNs]) sysctl(ns, CC_FILE, o.congestionControl);
    const congestionControl = ipNetnsExec(serverNs, 'cat', CC_FILE).trim();
    writeFileSync(join(root, 'big.bin'), '');
    truncateSync(join(root, 'big.bin'), o.fileBytes ?? 4 * 1024 ** 3); // sparse: no disk used
    writeFileSync(join(root, 'small.txt'), 'ok\n');
    const conf = join(root, 'nginx.conf');
    writeFileSync(
      conf,
      `worker_processes 1; daemon off; pid ${root}/nginx.pid; error_log ${root}/error.log;\n` +
        `events { worker_connections 256; }\n` +
        `http { access_log off; sendfile on; server { listen ${SERVER_IP}:${PORT}; root ${root}; } }\n`,
    );
    // `ip netns exec` execs nginx in place: the child's pid is nginx's.
    nginx = spawn('ip', ['netns', 'exec', serverNs, '/usr/sbin/nginx', '-p', root, '-c', conf, '-e', join(root, 'error.log')], { stdio: 'ignore' });
    running.add(nginx.pid!);
    const url = `http://${SERVER_IP}:${PORT}`;
    await waitForServer(clientNs, `${url}/small.txt`);
    return {
      rateMbit, congestionControl, serverNs, clientNs, routerNs, url, root,
      inClient: (cmd, args) => ['ip', ['netns', 'exec', clientNs, cmd, ...args]],
      queuedBytes: () => Number(/backlog (\d+)b/.exec(tc(routerNs, '-s', 'qdisc', 'show', 'dev', rc, 'parent', '1:10'))?.[1] ?? 0),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

async function waitForServer(clientNs: string, url: string): Promise<void> {
  const until = Date.now() + 10_000;
  let last = '';
  for (;;) {
    try {
      last = execFileSync('ip', ['netns', 'exec', clientNs, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', url]).toString();
      if (last === '200') return;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > until) throw new Error(`nginx in the server namespace did not answer ${url} with 200 within 10 s (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** curl in the client namespace: bytes/s over `seconds` of a download of /big.bin. */
export function curlRate(b: Bottleneck, seconds: number, signal?: AbortSignal): Promise<number> {
  const [cmd, args] = b.inClient('curl', ['-s', '-o', '/dev/null', '--max-time', String(seconds), '-w', '%{size_download} %{time_total}', `${b.url}/big.bin`]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      const [size, time] = out.trim().split(' ').map(Number);
      if (!size || !time) reject(new Error(`curl measured nothing: ${out}`));
      else resolve(size / time);
    });
  });
}

/** Bytes the server side has received over the link so far (the upload direction, on the wire). */
export function uplinkBytes(b: Bottleneck): number {
  const [link] = JSON.parse(execFileSync('ip', ['-n', b.serverNs, '-s', '-j', 'link', 'show', 'type', 'veth']).toString()) as { stats64: { rx: { bytes: number } } }[];
  return link!.stats64.rx.bytes;
}

const SINK_PORT = 9099;
// A bulk TCP upload like any application's (scp, a backup client): the sender in the client namespace
// writes as fast as TCP lets it for `seconds`; the sink in the server namespace counts what arrived
// between its first and last byte and prints bytes/s.
const SINK_JS = `const s=require('net').createServer((c)=>{let n=0,t0=0,t1=0;c.on('data',(d)=>{if(!t0)t0=performance.now();n+=d.length;t1=performance.now()});c.on('close',()=>{console.log(String(n*1000/Math.max(1,t1-t0)));s.close()})}).listen(${SINK_PORT},'${SERVER_IP}',()=>console.log('ready'))`;
const SENDER_JS = `const c=require('net').connect(${SINK_PORT},'${SERVER_IP}');const z=Buffer.alloc(65536);const end=Date.now()+Number(process.argv[1])*1000;const go=()=>{while(Date.now()<end){if(!c.write(z))return c.once('drain',go)}c.destroy()};c.on('connect',go)`;

/** Bytes/s a bulk TCP upload from the client to the server namespace gets over `seconds`. */
export async function tcpUploadRate(b: Bottleneck, seconds: number): Promise<number> {
  const sink = spawn('ip', ['netns', 'exec', b.serverNs, process.execPath, '-e', SINK_JS], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(sink.pid!);
  try {
    const lines: string[] = [];
    let err = '';
    sink.stderr.on('data', (d) => (err += d));
    const next = () =>
      new Promise<string>((resolve, reject) => {
        const check = () => (lines.length ? resolve(lines.shift()!) : sink.exitCode !== null ? reject(new Error(`upload sink ended: ${err}`)) : setTimeout(check, 20));
        check();
      });
    createInterface({ input: sink.stdout }).on('line', (l) => lines.push(l));
    await next(); // ready
    const sender = spawn('ip', ['netns', 'exec', b.clientNs, process.execPath, '-e', SENDER_JS, String(seconds)], { stdio: 'ignore' });
    running.add(sender.pid!);
    await new Promise((r) => sender.on('exit', r));
    running.delete(sender.pid!);
    return Number(await next());
  } finally {
    await stopProcess(sink);
    running.delete(sink.pid!);
  }
}

/** Bytes/s arriving at the server side over `ms` (ours, while nothing else uploads). */
export async function uplinkRate(b: Bottleneck, ms: number): Promise<number> {
  const a = uplinkBytes(b);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  return ((uplinkBytes(b) - a) * 1000) / (performance.now() - t0);
}

export const BITS_PORT = 8090;

/** `bits-job2 serve --root <root>` on SERVER_IP:BITS_PORT inside the server namespace (stop it by PID: stopProcess). */
export async function serveBitsInServerNamespace(b: Bottleneck, root: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', b.serverNs, process.execPath, CLI_JS, 'serve', '--root', root, '--host', SERVER_IP, '--port', String(BITS_PORT), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child.pid!);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`serve in the server namespace exited with ${code}: ${err}`)));
  });
  return child;
}
