// The bandwidth policy through the real CLI and the per-user service: `doctor` shows the policy in
// force (and a broken file with its fix), `info` says why a background job waits, the service
// re-reads the policy file when it changes — same service process — and the parked job goes on.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { json, makeSandbox } from './helpers/cli.js';
import { waitFor } from './helpers/service.js';
import { pseudoRandomBytes, startGateServer } from './helpers/gate-server.js';

interface Report { ok: boolean; checks: { check: string; status: string; detail: string; fix?: string }[] }
interface JobJson { state: string; errorCount: number; error: { name: string; message: string } | null }

test('doctor and info show the policy; the service parks, re-reads the file and resumes', async () => {
  const sb = makeSandbox('bj2pol-');
  const other = mkdtempSync(join(tmpdir(), 'bj2pol-sys-'));
  const http = await startGateServer();
  const systemFile = join(other, 'system-policy.json');
  const env = { BITS_JOB2_SYSTEM_POLICY_FILE: systemFile };
  const run = (args: string[]) => sb.run(args, { env });
  try {
    const none = json<Report>(await run(['doctor', '--json'])).checks.find((c) => c.check === 'bandwidth-policy')!;
    assert.is(none.status, 'ok');
    assert.match(none.detail, /^no bandwidth policy: background transfers are not capped; files: .*system-policy\.json \(system, wins\), .*policy\.json \(user\)/);

    writeFileSync(join(sb.stateDir, 'policy.json'), JSON.stringify({ maxBackgroundKbps: 0 }));
    const blocked = json<Report>(await run(['doctor', '--json']));
    const b = blocked.checks.find((c) => c.check === 'bandwidth-policy')!;
    assert.is(b.status, 'warn');
    assert.match(b.detail, /blocked \(maxBackgroundKbps 0\) at all times/);
    assert.match(b.fix!, /BG_E_BLOCKED_BY_POLICY/);

    http.set('/f.bin', { body: pseudoRandomBytes(128 * 1024, 5) });
    const id = (await run(['create', 'policy-job'])).stdout.trim();
    assert.is((await run(['add-file', id, `${http.url}/f.bin`, join(other, 'f.bin')])).code, 0);
    assert.is((await run(['resume', id])).code, 0);
    let info: JobJson | undefined;
    await waitFor(async () => {
      info = json<JobJson>(await run(['info', id, '--json']));
      return info.error?.name === 'BG_E_BLOCKED_BY_POLICY';
    }, 15_000, 'the job parked by the policy');
    assert.is(info!.state, 'TRANSIENT_ERROR');
    assert.is(info!.errorCount, 0);
    const text = (await run(['info', id])).stdout;
    assert.match(text, /BG_E_BLOCKED_BY_POLICY/);
    assert.match(text, /Bandwidth policy\s+background transfers are blocked/);
    const pid = json<{ pid: number }>(await run(['service', 'status', '--json'])).pid;

    // Lifted by editing the file: the running service notices it by itself.
    writeFileSync(join(sb.stateDir, 'policy.json'), JSON.stringify({ maxBackgroundKbps: 200000 }));
    await waitFor(async () => json<JobJson>(await run(['info', id, '--json'])).state === 'TRANSFERRED', 15_000, 'the job resumed and finished');
    assert.is(json<{ pid: number }>(await run(['service', 'status', '--json'])).pid, pid, 'same service process');
    assert.match((await run(['info', id])).stdout, /capped at 200000 kbit\/s at all times/);

    // A broken system file: reported with the fix, the user's file applies meanwhile.
    writeFileSync(systemFile, '{"maxBackgroundKbps": 10, "shedule": {}}');
    const broken = json<Report>(await run(['doctor', '--json'])).checks.filter((c) => c.check === 'bandwidth-policy');
    assert.is(broken[0]!.status, 'warn');
    assert.match(broken[0]!.detail, /system-policy\.json: the document has unknown key\(s\) "shedule"/);
    assert.match(broken[1]!.detail, /capped at 200000 kbit\/s/);
  } finally {
    await http.close();
    await sb.cleanup();
    rmSync(other, { recursive: true, force: true });
  }
});

test.run();
