// Secrets scan (issue 4): a password set through the CLI (stdin and environment variable) and used
// against a server that rejects it appears nowhere: not in the store file (or its WAL), not in the
// service log, not in any CLI output (human or --json, errors included), not in any process's argv
// or the service's environment.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from './helpers/cli.js';
import { killServices, readLockPid, withService } from './helpers/service.js';

const PASSWORD = 'Sup3r-Secret-Pa55word-8472';
const PASSWORD_B64 = Buffer.from(`alice:${PASSWORD}`).toString('base64');

function processArgvs(): string {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  }).join('\n');
}

test('the password is in no store, log, output, argv or environment', async () => {
  // A server that always answers 401 Basic: the password travels (Base64) and is rejected.
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? '');
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="scan"', 'Content-Length': '0' }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/f.bin`;
  const dir = mkdtempSync(join(tmpdir(), 'bj2-sec-'));
  try {
    await withService(async (svc) => {
      const outputs: string[] = [];
      const cli = async (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) => {
        const r = await runCli(args, { stateDir: svc.stateDir, ...opts });
        outputs.push(r.stdout, r.stderr);
        return r;
      };
      const id = (await cli(['create', 'secret'])).stdout.trim();
      svc.track(readLockPid(svc.stateDir)!);
      const set = await cli(['set-credentials', id, '--target', 'SERVER', '--scheme', 'BASIC', '--user', 'alice', '--password-stdin'], { input: `${PASSWORD}\n` });
      assert.is(set.code, 0, set.stderr);
      const viaEnv = await cli(['set-credentials', id, '--target', 'PROXY', '--scheme', 'BASIC', '--user', 'alice', '--json'], { env: { BITS_JOB2_PASSWORD: PASSWORD } });
      assert.is(viaEnv.code, 0, viaEnv.stderr);
      await cli(['add-file', id, url, join(dir, 'f.bin')]);
      await cli(['resume', id]);
      let info = '';
      for (let i = 0; i < 200 && !info.includes('"ERROR"'); i++) {
        info = (await cli(['info', id, '--json'])).stdout;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(info, /BG_E_HTTP_ERROR_401/, 'the rejected credentials end in BG_E_HTTP_ERROR_401');
      assert.ok(seen.includes(`Basic ${PASSWORD_B64}`), 'the password was really sent to the server');
      await cli(['info', id]);
      await cli(['list', '--json']);
      await cli(['resume', id]);
      await cli(['set-credentials', id, '--target', 'SERVER', '--scheme', 'BASIC', '--user', 'alice', '--password', PASSWORD]); // refused flag

      const files = readdirSync(svc.stateDir).map((f) => join(svc.stateDir, f)).filter((f) => existsSync(f) && !f.endsWith('.sock'));
      for (const f of files) {
        const bytes = readFileSync(f);
        assert.not.ok(bytes.includes(PASSWORD), `${f} holds the password`);
        assert.not.ok(bytes.includes(PASSWORD_B64), `${f} holds the Basic token`);
      }
      assert.ok(files.some((f) => f.endsWith('jobs.sqlite')), 'the store was scanned');
      assert.ok(files.some((f) => f.endsWith('service.log')), 'the log was scanned');
      for (const o of outputs) {
        assert.not.ok(o.includes(PASSWORD), `CLI output holds the password: ${o.slice(0, 200)}`);
        assert.not.ok(o.includes(PASSWORD_B64), 'CLI output holds the Basic token');
      }
      assert.not.ok(processArgvs().includes(PASSWORD), 'a process argv holds the password');
      const pid = readLockPid(svc.stateDir)!;
      assert.not.ok(readFileSync(`/proc/${pid}/environ`, 'utf8').includes(PASSWORD), 'the service environment holds the password');
      await killServices(svc.stateDir);
    });
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
