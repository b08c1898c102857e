// What the two documented nginx configurations (docs/nginx/bits-upload.conf, bits-farm.conf) share
// in tests: the file is read as is and only its lines marked "# site:" are replaced (a line that is
// gone fails loudly, so the helper and the docs cannot drift apart), then nginx runs it inside a
// test main config of its own (prefix, pid, logs, temp dirs) in the foreground, stopped by PID.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { running, spawnForegroundServer, stopProcess } from './nginx.js';
import type { TmpDir } from './tmp.js';

/** The documented file, and `replace(pattern, value)` for its `# site:` lines. */
export async function documentedSite(file: string): Promise<{ text(): string; replace(pattern: RegExp, value: string): void }> {
  let conf = await readFile(file, 'utf8');
  return {
    text: () => conf,
    replace(pattern, value) {
      if (!pattern.test(conf)) throw new Error(`${file} no longer has a line matching ${pattern}: update the test helper with the docs`);
      conf = conf.replace(pattern, value);
    },
  };
}

export interface SiteNginxOptions {
  workerConnections: number;
  /** Extra directives in the http block. */
  httpExtra?: string;
}

/** Runs nginx with `site` (written as tmp/<siteName>) included in a test main config; ready once `port` listens. */
export async function runSiteNginx(tmp: TmpDir, siteName: string, site: string, port: number, o: SiteNginxOptions): Promise<{ pid: number; stop(): Promise<void> }> {
  await writeFile(tmp.file(siteName), site);
  const asRoot = process.getuid?.() === 0;
  await writeFile(tmp.file('nginx.conf'), `
${asRoot ? 'user root root;' : ''}
daemon off;
worker_processes 1;
pid ${tmp.path}/nginx.pid;
error_log ${tmp.path}/error.log warn;
events { worker_connections ${o.workerConnections}; }
http {
  access_log ${tmp.path}/access.log;
  client_body_temp_path ${tmp.path}/client_body;
  proxy_temp_path ${tmp.path}/proxy;
  fastcgi_temp_path ${tmp.path}/fastcgi;
  uwsgi_temp_path ${tmp.path}/uwsgi;
  scgi_temp_path ${tmp.path}/scgi;
  ${o.httpExtra ?? ''}
  include ${tmp.path}/${siteName};
}
`);
  const bin = process.env.NGINX_BIN ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : '/usr/bin/nginx');
  const child = await spawnForegroundServer(bin, ['-p', tmp.path, '-c', tmp.file('nginx.conf'), '-e', tmp.file('error.log')], [port], 'nginx', tmp.file('error.log'), 10_000);
  return {
    pid: child.pid!,
    async stop() {
      await stopProcess(child);
      running.delete(child.pid!);
    },
  };
}
