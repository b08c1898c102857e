// Who owns the jobs of this engine, and whether the caller may see every user's jobs.
import { userInfo } from 'node:os';

/** POSIX users map to the SID form Samba uses for Unix uids (S-1-22-1-uid). */
export function ownerSid(): string {
  if (process.platform === 'win32') return `${process.env.USERDOMAIN ?? '.'}\\${userInfo().username}`;
  return `S-1-22-1-${process.getuid?.() ?? 0}`;
}

export function isAdmin(): boolean {
  return process.platform !== 'win32' && process.getuid?.() === 0;
}
