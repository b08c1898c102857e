// The service at login: a systemd user unit (Linux) or a launchd agent (macOS) that starts
// `node <dist>/service/main.js --state-dir DIR` when the user logs in, so queued jobs go on after a
// reboot without waiting for the next bits-job2 command. Windows needs none (BITS is a system
// service). Pure text generation here; login-item-install.ts writes and enables the files.
//
// The unit copies the proxy and BITS_JOB2_* settings of the installing shell (a user manager does
// not see the shell's environment), except passwords and proxy URLs with credentials, which must not
// sit in a file: those are reported and left out.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NODE_FLAGS } from './node-flags.js';

export interface LoginItemSpec {
  node: string;
  serviceMain: string;
  stateDir: string;
  env: Record<string, string>;
}

/** Environment the service reads (proxy for PRECONFIG jobs, the engine's own settings). */
const CARRIED = /^(https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|BITS_JOB2_(CA_FILE|CHECKPOINT_MS|CHECKPOINT_BYTES|TIME_SLICE_MS))$/;

export function carriedEnvironment(env: NodeJS.ProcessEnv): { env: Record<string, string>; leftOut: string[] } {
  const carried: Record<string, string> = {};
  const leftOut: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || !CARRIED.test(name)) continue;
    if (/:\/\/[^/@]*:[^/@]*@/.test(value)) leftOut.push(`${name} (it holds a password: set proxy credentials on the job instead)`);
    else carried[name] = value;
  }
  return { env: carried, leftOut };
}

export const SYSTEMD_UNIT_NAME = 'bits-job2.service';
export const LAUNCHD_LABEL = 'io.github.bits-job2.service';

export function systemdUnitPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'systemd', 'user', SYSTEMD_UNIT_NAME);
}

export function launchdPlistPath(): string {
  return join(homedir(), 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
}

/** The command line that starts the service: node, its flags (node-flags.ts), main.js, the state dir. */
export function serviceCommand(spec: LoginItemSpec): string[] {
  return [spec.node, ...SERVICE_NODE_FLAGS, spec.serviceMain, '--state-dir', spec.stateDir];
}

/** One word of an ExecStart= line: quoted, with systemd's specifier `%` and C escapes doubled. */
function systemdWord(word: string): string {
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

export function systemdUnit(spec: LoginItemSpec): string {
  const env = Object.entries(spec.env).map(([k, v]) => `Environment=${systemdWord(`${k}=${v}`)}`);
  return [
    '# Written by `bits-job2 service install`; removed by `bits-job2 service uninstall`.',
    '[Unit]',
    'Description=bits-job2 background transfer service (resumes queued BITS jobs at login)',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${serviceCommand(spec).map(systemdWord).join(' ')}`,
    ...env,
    // Exit 2: a service started on demand already holds the state dir — not a failure, no restart loop.
    'SuccessExitStatus=2',
    'RestartPreventExitStatus=2',
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function launchdPlist(spec: LoginItemSpec): string {
  const args = serviceCommand(spec).map((a) => `    <string>${xml(a)}</string>`);
  const env = Object.entries(spec.env).map(([k, v]) => `    <key>${xml(k)}</key><string>${xml(v)}</string>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `bits-job2 service install`; removed by `bits-job2 service uninstall`. -->',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key><string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...args,
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    ...env,
    '  </dict>',
    '  <key>RunAtLoad</key><true/>',
    // Restart after a crash, not after a clean stop (`bits-job2 service stop`). launchd cannot spare
    // exit 2 (a service started on demand already runs): the throttle keeps those retries rare.
    '  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>',
    '  <key>ThrottleInterval</key><integer>60</integer>',
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
