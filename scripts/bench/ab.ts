// Paired before/after runs (not part of `npm run bench`): the same transfer through a service (and,
// for uploads, a server) built from another checkout's dist/ ("base") and from this one ("new"),
// interleaved with curl in the same minutes, so a change is judged against the load of the moment.
// CPU per GiB is the figure to steer by on a shared machine; wall-clock ratios swing with the load.
//
//   cp -r dist /tmp/base/dist && ln -s $PWD/node_modules /tmp/base/   # before the change
//   node dist/scripts/bench/ab.js --base /tmp/base/dist [--parts download,upload,conc] [--size-mb 256] [--runs 3] [--conc-jobs 100 --conc-mb 8]
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bitsBatch, curlBatch, jain, type BatchRun, type ResumeOrder } from './concurrent.js';
import { bitsDownload, setUpDownloads, timeCurl } from './download.js';
import { bitsUpload, setUpUploads, timeCurlPut, type BitsUploadRun } from './upload.js';
import { cpuSPerGiB, median, MiB, mibPerS, onCleanup, progress, REPO, runCleanups, sleep } from './util.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    parts: { type: 'string', default: 'download,upload' },
    'size-mb': { type: 'string', default: '256' },
    runs: { type: 'string', default: '3' },
    'conc-jobs': { type: 'string', default: '100' },
    'conc-mb': { type: 'string', default: '8' },
    /** pipelined (the bench's way) or sequential (each resume after the previous answer). */
    'conc-resume': { type: 'string', default: 'pipelined' },
  },
});
if (!values.base) throw new Error('--base DIST (the dist/ of the build to compare with) is required');
const baseDist = values.base;
const parts = new Set(values.parts!.split(','));
const bytes = Number(values['size-mb']) * MiB;
const runs = Number(values.runs);
const serviceMain = (dist: string) => join(dist, 'module', 'service', 'main.js');
const NEW_DIST = join(REPO, 'dist');

interface Row {
  ms: number[];
  cpu: number[];
  extra: number[];
}
const rows = new Map<string, Row>();
/** Jain's index of per-job throughput, per concurrent run. */
const fairness = new Map<string, number[]>();
function add(label: string, ms: number, cpuMs: number, extraCpuMs = 0): void {
  const r = rows.get(label) ?? { ms: [], cpu: [], extra: [] };
  r.ms.push(ms);
  r.cpu.push(cpuMs);
  r.extra.push(extraCpuMs);
  rows.set(label, r);
  progress(`${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms  CPU ${cpuSPerGiB(cpuMs, bytesOf(label)).toFixed(2)} s/GiB${extraCpuMs ? ` (extra ${extraCpuMs.toFixed(0)})` : ''}`);
}
/** Download rows: the service's main-thread CPU per run (the rest is the thread pool's page-cache writes and fsyncs). */
const mainThread = new Map<string, number[]>();
const concBytes = Number(values['conc-jobs']) * Number(values['conc-mb']) * MiB;
const bytesOf = (label: string) => (label.startsWith('conc') ? concBytes : bytes);

/** `bits-job2 serve` from a given dist, as the upload bench starts ours. */
async function startServer(dist: string, root: string): Promise<{ url: string; pid: number }> {
  const child = spawn(process.execPath, [join(dist, 'module', 'cli', 'main.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--json', '--root', root], { stdio: ['ignore', 'pipe', 'inherit'] });
  onCleanup(`ab server ${child.pid}`, async () => {
    child.kill('SIGTERM');
    await sleep(300);
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      try {
        resolve({ ...(JSON.parse(out) as { url: string }), pid: child.pid! });
      } catch {
        /* not complete yet */
      }
    });
    child.once('exit', (code) => reject(new Error(`serve from ${dist} exited with ${code}`)));
  });
}

try {
  const f = await setUpDownloads(bytes, MiB, Number(values['conc-mb']) * MiB);
  await timeCurl(f, f.bigName, f.bigBytes);
  if (parts.has('download')) {
    for (let i = 0; i < runs; i++) {
      const c = await timeCurl(f, f.bigName, f.bigBytes);
      add('download curl', c.ms, c.cpuMs);
      // Alternate which build goes first, so neither always runs right after curl.
      for (const which of i % 2 ? (['new', 'base'] as const) : (['base', 'new'] as const)) {
        const b = await bitsDownload(f, f.bigName, f.bigBytes, { main: serviceMain(which === 'base' ? baseDist : NEW_DIST) });
        add(`download ${which}`, b.pollMs, b.cpuMs, b.vmHwmKb);
        mainThread.set(`download ${which}`, [...(mainThread.get(`download ${which}`) ?? []), b.mainThreadCpuMs]);
      }
    }
  }
  if (parts.has('upload')) {
    const u = await setUpUploads(f);
    const roots = { base: join(u.serverRoot, '..', 'ab-base'), new: join(u.serverRoot, '..', 'ab-new') };
    mkdirSync(roots.base);
    mkdirSync(roots.new);
    const servers = { base: await startServer(baseDist, roots.base), new: await startServer(NEW_DIST, roots.new) };
    const up = async (which: 'base' | 'new', i: number): Promise<BitsUploadRun> => {
      const run = await bitsUpload({ ...u, serverRoot: roots[which] }, `${which}-${i}.bin`, { server: servers[which], main: serviceMain(which === 'base' ? baseDist : NEW_DIST) });
      rmSync(join(roots[which], `${which}-${i}.bin`), { force: true });
      progress(`  ${which}: service VmHWM ${(run.serviceHwmKb / 1024).toFixed(1)} MiB, server ${(run.serverHwmKb / 1024).toFixed(1)} MiB`);
      return run;
    };
    // One untimed upload per server first: a server's first upload also pays its JIT warm-up and
    // first slab allocations (up to 2.5 s of CPU per GiB more), which `npm run bench` keeps out too.
    for (const which of ['base', 'new'] as const) await up(which, -1);
    for (let i = 0; i < runs; i++) {
      const c = await timeCurlPut(u, `ab-curl-${i}.bin`, false);
      add('upload curl -T + nginx', c.ms, c.clientCpuMs + c.serverCpuMs, c.serverCpuMs);
      // Alternating which build goes first: the upload right after curl's often cost the server more
      // (up to 2x its CPU), which favoured whichever build always ran second.
      for (const which of i % 2 === 0 ? (['base', 'new'] as const) : (['new', 'base'] as const)) {
        const r = await up(which, i);
        add(`upload ${which} (service + server)`, r.ms, r.clientCpuMs + r.serverCpuMs, r.serverCpuMs);
      }
    }
  }
  if (parts.has('conc')) {
    const n = Number(values['conc-jobs']);
    const each = Number(values['conc-mb']) * MiB;
    const work = join(f.dir, 'conc');
    const spread = (label: string, b: BatchRun, resumeAllMs?: number) => {
      const js = jain(b.perJobMs.map((ms) => each / ms));
      const sorted = [...b.perJobMs].sort((x, y) => x - y);
      const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
      (fairness.get(label) ?? fairness.set(label, []).get(label)!).push(js);
      progress(`${label.padEnd(34)} Jain ${js.toFixed(3)}, job ms min/p10/p50/p90/max ${[0, 0.1, 0.5, 0.9, 1].map((q) => pct(q).toFixed(0)).join('/')}${resumeAllMs !== undefined ? `, resume of all ${resumeAllMs.toFixed(0)} ms` : ''}`);
    };
    for (let i = 0; i < runs; i++) {
      const c = await curlBatch(f.url(f.concName), work, n, each);
      add('conc curl -Z', c.run.wallMs, c.run.cpuMs, c.run.peakRssKb);
      spread('conc curl -Z', c.run);
      for (const [label, dist] of [['conc base', baseDist], ['conc new', NEW_DIST]] as const) {
        const b = await bitsBatch(f.url(f.concName), work, n, each, [], dist, values['conc-resume'] as ResumeOrder);
        add(label, b.wallMs, b.cpuMs, b.peakRssKb);
        spread(label, b, b.resumeAllMs);
      }
    }
  }
  process.stdout.write('\n| run | median ms | MiB/s | CPU s/GiB (median) | of it main thread | peer/peak |\n|---|---:|---:|---:|---:|---:|\n');
  for (const [label, r] of rows) {
    const b = bytesOf(label);
    const extra = label.startsWith('conc') || (label.startsWith('download') && !label.endsWith('curl')) ? `${(median(r.extra) / 1024).toFixed(1)} MiB RSS` : r.extra.some((x) => x) ? `${cpuSPerGiB(median(r.cpu.map((c, i) => c - r.extra[i]!)), b).toFixed(2)} sender + ${cpuSPerGiB(median(r.extra), b).toFixed(2)} receiver s/GiB` : '';
    const main = mainThread.get(label);
    const fair = fairness.get(label);
    process.stdout.write(`| ${label} | ${median(r.ms).toFixed(0)} | ${mibPerS(b, median(r.ms)).toFixed(0)} | ${cpuSPerGiB(median(r.cpu), b).toFixed(2)} | ${main ? cpuSPerGiB(median(main), b).toFixed(2) : ''} | ${extra}${fair ? `, Jain ${median(fair).toFixed(3)}` : ''} |\n`);
  }
} finally {
  await runCleanups();
}
