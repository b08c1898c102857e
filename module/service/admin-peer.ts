// An administrator on a user's service socket (module/service/all-users.ts drives it).
//
// Who may connect is decided by the file system, as before: the state dir is 0700 and the socket
// 0600, so only the user and root get through (test/reliability/two-users.test.ts). Node exposes no
// SO_PEERCRED, so the service cannot tell which of the two is calling; it does not need to for
// safety — nothing an administrator's connection may do is beyond what the user can already do to
// their own store — but the user deserves to see what an administrator did to their jobs. So an
// administrator's client says who it is first (`adminHello`) and every call on that connection is
// logged in the user's service.log with the job id (never other parameters: setCredentials carries
// passwords). The line says "as the client states": the user could write such a line themselves.
// The record the administrator can rely on is their own: all-users.ts writes admin.log in root's state dir.
//
// The TakeOwnership hand-over methods are refused on other connections: a script of the user's that
// calls them by mistake must not make jobs vanish from the store.
import { bitsError, type BitsError } from '../api/bits-error.js';
import { HR } from '../api/hresult.js';
import { clip } from './rpc.js';

/** Engine methods outside the Backend port (engine.ts "TakeOwnership across users"). */
export const OWNERSHIP_METHODS = ['handOverJob', 'forgetHandedOver', 'adoptJob'] as const;

export interface AdminPeer {
  uid: number;
  user: string;
  pid: number;
}

/** `adminHello [{uid, user, pid}]` → the peer, or why not. Only uid 0 is an administrator here. */
export function adminHello(params: unknown[]): { peer: AdminPeer } | { error: BitsError } {
  const p = params[0] as Partial<AdminPeer> | null | undefined;
  if (!p || typeof p !== 'object' || p.uid !== 0 || typeof p.user !== 'string' || typeof p.pid !== 'number') {
    return { error: bitsError(HR.E_ACCESSDENIED, 'adminHello is for administrators (uid 0): send {uid: 0, user, pid}.') };
  }
  return { peer: { uid: 0, user: clip(p.user, 32), pid: p.pid } };
}

/** true, or the error for an ownership method called outside an administrator's connection. */
export function ownershipCallAllowed(method: string, admin: AdminPeer | undefined): true | BitsError {
  if (!(OWNERSHIP_METHODS as readonly string[]).includes(method)) return true;
  if (!admin) return bitsError(HR.E_ACCESSDENIED, `${method} is part of an administrator's TakeOwnership (bits-job2 take-ownership as root).`);
  if (method === 'adoptJob' && process.platform !== 'win32' && process.getuid?.() !== 0) {
    return bitsError(HR.E_ACCESSDENIED, 'Only an administrator\'s own service adopts jobs of other users.');
  }
  return true;
}

/** One log line: who, what, which job. */
export function auditLine(peer: AdminPeer, method: string, params: unknown[]): string {
  const first = params[0];
  const job = typeof first === 'string' ? ` ${clip(first, 40)}` : first && typeof first === 'object' && typeof (first as { id?: unknown }).id === 'string' ? ` ${clip((first as { id: string }).id, 40)}` : '';
  return `administrator ${peer.user} (uid ${peer.uid}, pid ${peer.pid}, as the client states): ${method}${job}`;
}
