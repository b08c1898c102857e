// A real MIT Kerberos KDC for the Kerberos tests (issue 18): a realm created at test time in a temp
// dir (kdb5_util create -s, principals and keytabs with kadmin.local), krb5kdc in the foreground
// (-n) on 127.0.0.1:<ephemeral> (TCP and UDP), stopped by PID. KRB5_CONFIG / KRB5_KDC_PROFILE
// point at the temp files: the machine's /etc/krb5.conf is never read or changed.
// Passwords reach kdb5_util, kadmin.local and kinit on stdin (they prompt), never in argv.
// A "skewed" KDC is a second krb5kdc on the same database under libfaketime (LD_PRELOAD, FAKETIME
// offset), with its own krb5.conf naming it: tickets it issues are dated by its wrong clock.
// Debian packages: krb5-kdc krb5-admin-server krb5-user libfaketime (scripts/install-test-deps.sh).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, running, spawnForegroundServer, stopProcess } from './nginx.js';

const PACKAGES = 'krb5-kdc krb5-admin-server krb5-user libfaketime';
const FAKETIME_LIB = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'];

function need(bin: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin']) if (existsSync(join(dir, bin))) return join(dir, bin);
  throw new Error(`${bin} is not installed: apt-get install -y ${PACKAGES} (scripts/install-test-deps.sh).`);
}

export interface KdcInstance {
  url: string;
  /** The krb5.conf clients use for this KDC. */
  krb5Config: string;
  stop(): Promise<void>;
}

export interface Kdc extends KdcInstance {
  realm: string;
  dir: string;
  /** KRB5_CONFIG + KRB5_KDC_PROFILE for this realm. */
  env: Record<string, string>;
  addPrincipal(name: string, password: string): void;
  /** A random-key service principal (e.g. HTTP/127.0.0.1) exported to a world-readable keytab (apache runs as nobody). */
  serviceKeytab(principal: string): Promise<string>;
  /** kinit into `ccache` (FILE:…), the password on stdin; `lifetime` as kinit -l takes it. */
  kinit(principal: string, password: string, ccache: string, lifetime?: string, krb5Config?: string): void;
  /** Another krb5kdc on this realm's database whose clock is off by `offsetSeconds` (libfaketime). */
  startSkewed(offsetSeconds: number): Promise<KdcInstance>;
}

function krb5Conf(realm: string, port: number): string {
  return [
    '[libdefaults]',
    ` default_realm = ${realm}`,
    ' dns_lookup_kdc = false',
    ' dns_lookup_realm = false',
    ' rdns = false',
    ' dns_canonicalize_hostname = false',
    ' udp_preference_limit = 1',
    '[realms]',
    ` ${realm} = {`,
    `  kdc = 127.0.0.1:${port}`,
    ' }',
    '',
  ].join('\n');
}

function run(bin: string, args: string[], env: Record<string, string>, input: string): void {
  const r = spawnSync(bin, args, { env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout || '').slice(-2000)}`);
}

async function launch(dir: string, realm: string, name: string, env: Record<string, string>, offsetSeconds?: number): Promise<KdcInstance> {
  const krb5kdc = need('krb5kdc');
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    const profile = join(dir, `${name}.kdc.conf`);
    const log = join(dir, `${name}.log`);
    await writeFile(profile, [
      '[kdcdefaults]',
      ` kdc_ports = ${port}`,
      ` kdc_tcp_ports = ${port}`,
      '[realms]',
      ` ${realm} = {`,
      `  database_name = ${dir}/principal`,
      `  key_stash_file = ${dir}/stash`,
      `  acl_file = ${dir}/kadm5.acl`,
      '  max_life = 10h',
      ' }',
      '[logging]',
      ` kdc = FILE:${log}`,
      '',
    ].join('\n'));
    const krb5Config = join(dir, `${name}.krb5.conf`);
    await writeFile(krb5Config, krb5Conf(realm, port), { mode: 0o644 });
    const extra: Record<string, string> = { ...env, KRB5_KDC_PROFILE: profile };
    if (offsetSeconds !== undefined) {
      const lib = FAKETIME_LIB.find((p) => existsSync(p));
      if (!lib) throw new Error(`libfaketime is not installed (looked in ${FAKETIME_LIB.join(', ')}): apt-get install -y libfaketime.`);
      extra.LD_PRELOAD = lib;
      extra.FAKETIME = `${offsetSeconds >= 0 ? '+' : ''}${offsetSeconds}`;
      extra.FAKETIME_DONT_FAKE_MONOTONIC = '1';
    }
    try {
      const child = await spawnForegroundServer(krb5kdc, ['-n', '-r', realm, '-P', join(dir, `${name}.pid`)], [port], 'krb5kdc', log, 20_000, extra);
      return {
        url: `127.0.0.1:${port}`,
        krb5Config,
        stop: async () => {
          await stopProcess(child);
          running.delete(child.pid!);
        },
      };
    } catch (e) {
      if (attempt >= 3 || !/in use|Address already/i.test((e as Error).message)) throw e;
    }
  }
}

export async function startKdc(realm = 'BITS.TEST'): Promise<Kdc> {
  const kdb5 = need('kdb5_util');
  const kadmin = need('kadmin.local');
  const kinitBin = need('kinit');
  const dir = await mkdtemp(join(tmpdir(), 'bits-kdc-'));
  await chmod(dir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  try {
    const profile = join(dir, 'admin.kdc.conf');
    await writeFile(profile, `[realms]\n ${realm} = {\n  database_name = ${dir}/principal\n  key_stash_file = ${dir}/stash\n  acl_file = ${dir}/kadm5.acl\n }\n`);
    await writeFile(join(dir, 'kadm5.acl'), '');
    const adminEnv = { KRB5_CONFIG: join(dir, 'admin.krb5.conf'), KRB5_KDC_PROFILE: profile };
    await writeFile(adminEnv.KRB5_CONFIG, krb5Conf(realm, 88));
    const master = `master-${Math.random().toString(36).slice(2)}`;
    run(kdb5, ['create', '-s', '-r', realm], adminEnv, `${master}\n${master}\n`);
    const main = await launch(dir, realm, 'kdc', {});
    stops.push(main.stop);
    const env = { KRB5_CONFIG: main.krb5Config, KRB5_KDC_PROFILE: profile };
    return {
      ...main,
      realm,
      dir,
      env,
      addPrincipal: (name, password) => run(kadmin, ['-r', realm], adminEnv, `addprinc +requires_preauth ${name}\n${password}\n${password}\n`),
      serviceKeytab: async (principal) => {
        const keytab = join(dir, `${principal.replace(/\W/g, '_')}.keytab`);
        run(kadmin, ['-r', realm], adminEnv, `addprinc -randkey ${principal}\nktadd -k ${keytab} ${principal}\n`);
        await chmod(keytab, 0o644);
        return keytab;
      },
      kinit: (principal, password, ccache, lifetime, krb5Config) =>
        run(kinitBin, [...(lifetime ? ['-l', lifetime] : []), '-c', ccache, principal], { KRB5_CONFIG: krb5Config ?? main.krb5Config }, `${password}\n`),
      startSkewed: async (offsetSeconds) => {
        const skewed = await launch(dir, realm, `skewed${offsetSeconds}`, {}, offsetSeconds);
        stops.push(skewed.stop);
        return skewed;
      },
      stop: async () => {
        await Promise.all(stops.map((s) => s()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await Promise.all(stops.map((s) => s()));
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * A krb5.conf that knows no realm and looks nothing up in DNS, set as KRB5_CONFIG by tests whose
 * NEGOTIATE credentials must not reach any KDC (the machine's /etc/krb5.conf may name a real one,
 * Debian's names ATHENA.MIT.EDU): Kerberos fails at once as unavailable and NTLM answers. Returns
 * a function that restores the previous KRB5_CONFIG.
 */
export function useRealmlessKrb5Config(dir: string): () => void {
  const path = join(dir, 'realmless.krb5.conf');
  writeFileSync(path, '[libdefaults]\n dns_lookup_kdc = false\n dns_lookup_realm = false\n');
  const saved = process.env.KRB5_CONFIG;
  process.env.KRB5_CONFIG = path;
  return () => {
    if (saved === undefined) delete process.env.KRB5_CONFIG;
    else process.env.KRB5_CONFIG = saved;
  };
}

/**
 * Makes this process the job owner of a Kerberos test: KRB5_CONFIG names the test realm and
 * KRB5CCNAME the owner's ticket cache (`cacheFile`, as FILE:). Returns the cache name and a
 * function that restores both variables.
 */
export function becomeTicketOwner(kdc: KdcInstance, cacheFile: string): { ownerCache: string; restore(): void } {
  const saved = { KRB5_CONFIG: process.env.KRB5_CONFIG, KRB5CCNAME: process.env.KRB5CCNAME };
  const ownerCache = `FILE:${cacheFile}`;
  process.env.KRB5_CONFIG = kdc.krb5Config;
  process.env.KRB5CCNAME = ownerCache;
  return {
    ownerCache,
    restore() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}

/** libfaketime shifts a child's clock by `offsetSeconds` here (else a skew test would prove nothing). */
export function faketimeWorks(offsetSeconds: number): boolean {
  const lib = FAKETIME_LIB.find((p) => existsSync(p));
  if (!lib) return false;
  const r = spawnSync('date', ['+%s'], { env: { ...process.env, LD_PRELOAD: lib, FAKETIME: `+${offsetSeconds}` }, encoding: 'utf8' });
  return Math.abs(Number(r.stdout) - Date.now() / 1000 - offsetSeconds) < 60;
}

