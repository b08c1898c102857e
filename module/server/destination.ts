// Where an upload URL lands on disk, checked at Create-Session (spec §7.2, §7.4 step 3): the
// directory must exist (IIS answers 404 for a URL whose directory does not exist, and the server
// never creates directories), it must really be inside the root (no symbolic link out of it), the
// URL must not name a directory (400) nor the session store (403), and an existing file may only be
// replaced when overwrites are allowed (409 + E_ACCESSDENIED, spec §11 #2).
//
// The checks of Create-Session and Close-Session are synchronous calls (stat, lstat, realpath: a
// few system calls of microseconds each): as thread-pool round trips they were one eighth of the
// server's CPU per upload under load (BENCHMARKS.md, "Upload server under load"; session-store.ts).
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { AckError, CONTEXT_SERVER, E_ACCESSDENIED, ERROR_PATH_NOT_FOUND, invalidArg } from './ack.js';

/** True when `child` is `parent` or below it. */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export interface DestinationRules {
  root: string;
  sessionsDir: string;
  allowOverwrites: boolean;
}

/** The local path for `segments` (already checked by decodeSegments), or an AckError. */
export async function resolveDestination(rules: DestinationRules, segments: string[]): Promise<string> {
  const dest = join(rules.root, ...segments);
  if (!isInside(rules.root, dest)) throw invalidArg('the URL leaves the upload directory');
  if (isInside(rules.sessionsDir, dest)) throw new AckError(403, E_ACCESSDENIED, CONTEXT_SERVER, 'the URL points into the session store');
  const dir = dirname(dest);
  const dirStat = statOrNull(dir);
  if (!dirStat || !dirStat.isDirectory()) throw new AckError(404, ERROR_PATH_NOT_FOUND, CONTEXT_SERVER, 'the directory of the URL does not exist');
  const realRoot = realpathSync.native(rules.root);
  const realDir = realpathSync.native(dir);
  if (!isInside(realRoot, realDir)) throw new AckError(403, E_ACCESSDENIED, CONTEXT_SERVER, 'the directory of the URL is a link out of the upload directory');
  if (isInside(realpathOr(rules.sessionsDir), join(realDir, segments[segments.length - 1]!))) {
    throw new AckError(403, E_ACCESSDENIED, CONTEXT_SERVER, 'the URL points into the session store');
  }
  const existing = lstatSync(dest, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw invalidArg('the URL maps to a directory');
  if (existing && !rules.allowOverwrites) throw new AckError(409, E_ACCESSDENIED, CONTEXT_SERVER, 'the file exists and overwrites are not allowed');
  return dest;
}

/** stat, or null when the path cannot be looked at (missing, not a directory on the way, no access). */
function statOrNull(path: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(path) ?? null;
  } catch {
    return null;
  }
}

/** The real path, or `path` itself when it cannot be resolved. */
function realpathOr(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

/**
 * Just before publishing (Close-Session, maybe days after Create-Session): is the destination's
 * directory still really inside the root? It may have been replaced by a link since.
 */
export async function destinationStillInside(root: string, dest: string): Promise<boolean> {
  const realRoot = realpathSync.native(root);
  let realDir: string;
  try {
    realDir = realpathSync.native(dirname(dest));
  } catch {
    return true; // a missing directory fails later with 404
  }
  return isInside(realRoot, realDir);
}

/** The local path of a published file to serve, or null when it must not be served. */
export async function resolvePublished(rules: Pick<DestinationRules, 'root' | 'sessionsDir'>, segments: string[]): Promise<string | null> {
  const path = join(rules.root, ...segments);
  if (!isInside(rules.root, path) || isInside(rules.sessionsDir, path)) return null;
  const real = await realpath(path).catch(() => null);
  if (!real) return null;
  const [realRoot, realSessions] = await Promise.all([realpath(rules.root), realpath(rules.sessionsDir).catch(() => rules.sessionsDir)]);
  if (!isInside(realRoot, real) || isInside(realSessions, real)) return null;
  return real;
}
