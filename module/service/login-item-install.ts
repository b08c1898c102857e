// `bits-job2 service install|uninstall`: writes (or removes) the login item of login-item.ts and
// enables it where the user's service manager answers; where it does not (no user systemd instance,
// e.g. over su or in a container), the file is written and the report gives the commands to run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SERVICE_MAIN } from './client.js';
import { carriedEnvironment, launchdPlist, launchdPlistPath, SYSTEMD_UNIT_NAME, systemdUnit, systemdUnitPath, type LoginItemSpec } from './login-item.js';

export interface LoginItemReport {
  platform: NodeJS.Platform;
  /** The file written or removed (null on Windows). */
  path: string | null;
  /** The file's text (install). */
  content?: string;
  changed: boolean;
  /** Whether the service manager took it (enabled and started, or disabled and stopped). */
  applied: boolean;
  /** Commands the user runs when `applied` is false. */
  commands: string[];
  /** Settings that were not copied into the file, and why. */
  leftOut: string[];
  notes: string[];
}

const LINGER_NOTE = 'Jobs run while you are logged in; for jobs that must go on without a session: loginctl enable-linger $USER';

function run(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
  return !r.error && r.status === 0;
}

/** A user systemd instance that answers (not the case over `su`, in most containers, or without a login). */
function userSystemd(): boolean {
  return run('systemctl', ['--user', 'show-environment']);
}

export function loginItemSpec(stateDir: string, env: NodeJS.ProcessEnv = process.env): { spec: LoginItemSpec; leftOut: string[] } {
  const { env: carried, leftOut } = carriedEnvironment(env);
  return { spec: { node: process.execPath, serviceMain: SERVICE_MAIN, stateDir: resolve(stateDir), env: carried }, leftOut };
}

export function installLoginItem(stateDir: string, options: { write?: boolean; env?: NodeJS.ProcessEnv } = {}): LoginItemReport {
  const platform = process.platform;
  const { spec, leftOut } = loginItemSpec(stateDir, options.env);
  if (platform === 'win32') {
    return { platform, path: null, changed: false, applied: true, commands: [], leftOut: [], notes: ['Windows: jobs run in the BITS system service; nothing to install.'] };
  }
  const mac = platform === 'darwin';
  const path = mac ? launchdPlistPath() : systemdUnitPath(options.env);
  const content = mac ? launchdPlist(spec) : systemdUnit(spec);
  const commands = mac
    ? [`launchctl bootstrap gui/${process.getuid?.()} ${path}`]
    : ['systemctl --user daemon-reload', `systemctl --user enable --now ${SYSTEMD_UNIT_NAME}`];
  if (options.write === false) return { platform, path, content, changed: false, applied: false, commands, leftOut, notes: [] };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content, { mode: 0o600 }); // may name a CA file and proxies: the user's business only
  const applied = mac ? run('launchctl', ['bootstrap', `gui/${process.getuid?.()}`, path]) : userSystemd() && commands.every((c) => run('systemctl', c.split(' ').slice(1)));
  const notes = mac ? [] : [LINGER_NOTE];
  if (!applied) notes.unshift(mac ? 'launchd did not take the agent now; it loads at your next login, or run the command below.' : 'No user systemd instance answers here (a su shell, a container?): the unit starts at your next login once enabled with the commands below.');
  return { platform, path, content, changed: true, applied, commands: applied ? [] : commands, leftOut, notes };
}

export function uninstallLoginItem(options: { env?: NodeJS.ProcessEnv } = {}): LoginItemReport {
  const platform = process.platform;
  if (platform === 'win32') return { platform, path: null, changed: false, applied: true, commands: [], leftOut: [], notes: ['Windows: nothing was installed.'] };
  const mac = platform === 'darwin';
  const path = mac ? launchdPlistPath() : systemdUnitPath(options.env);
  if (!existsSync(path)) return { platform, path, changed: false, applied: true, commands: [], leftOut: [], notes: ['nothing installed'] };
  const commands = mac ? [`launchctl bootout gui/${process.getuid?.()} ${path}`] : [`systemctl --user disable --now ${SYSTEMD_UNIT_NAME}`, 'systemctl --user daemon-reload'];
  // Stop and disable first, while the manager still knows the file.
  const applied = mac ? run('launchctl', ['bootout', `gui/${process.getuid?.()}`, path]) : userSystemd() && run('systemctl', ['--user', 'disable', '--now', SYSTEMD_UNIT_NAME]);
  rmSync(path, { force: true });
  if (!mac && applied) run('systemctl', ['--user', 'daemon-reload']);
  return { platform, path, changed: true, applied, commands: applied ? [] : commands, leftOut: [], notes: [] };
}
