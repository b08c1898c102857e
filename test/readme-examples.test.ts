// README's CLI examples run as they stand: the block under "### Upload-reply" (server, upload-reply
// job, reply, complete) in bash, with `bits-job2` the real CLI and its paths and port moved into a
// temporary folder — so an example that fails for a reader (a missing directory, a renamed flag)
// fails here.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI_JS, makeSandbox } from './helpers/cli.js';
import { REPO } from './helpers/service.js';

/** The first ```sh block after `heading` in README.md. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `README has ${heading}`);
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, `a sh block under ${heading}`);
  return m![1]!;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('the Upload-reply example: server, job, reply data, complete — every command succeeds', async () => {
  const sb = makeSandbox('bj2r-');
  try {
    const block = readmeBlock('### Upload-reply');
    const port = await freePort();
    const root = join(sb.stateDir, 'srv');
    const data = join(sb.stateDir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'inventory.xml'), '<inventory><host>pc-17</host></inventory>\n');
    const script = [
      'set -euo pipefail',
      // `serve ... &` runs in a subshell: exec makes it the server itself, so the trap's kill reaches it by PID.
      `bits-job2() { if [ "$1" = serve ]; then exec node ${JSON.stringify(CLI_JS)} "$@"; fi; node ${JSON.stringify(CLI_JS)} "$@"; }`,
      'trap \'kill $(jobs -p) 2>/dev/null || true\' EXIT',
      // The server must be listening before the job's first request: wait for its port.
      block
        .replaceAll('/srv/bits', root)
        .replaceAll('/data/', `${data}/`)
        .replaceAll('8080', String(port))
        .replace(/(--echo-reply &\n)/, `$1for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/${port}) 2>/dev/null && break; sleep 0.1; done\n`),
    ].join('\n');
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, BITS_JOB2_STATE_DIR: sb.stateDir } });
    assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^TRANSFERRED [0-9a-f-]{36}$/m, 'wait reached TRANSFERRED');
    assert.match(r.stdout, /received 42 bytes sha256 [0-9a-f]{64}/, 'the reply data');
    // get-reply-data writes the reply's bytes as they are (no newline added), so `completed` follows on its line.
    assert.match(r.stdout, /completed [0-9a-f-]{36}$/m, r.stdout);
    assert.match(readFileSync(join(data, 'inventory.reply'), 'utf8'), /received 42 bytes/, 'the reply file');
  } finally {
    await sb.cleanup();
  }
});

test.run();
