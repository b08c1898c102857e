// How Portable judges a notify program path on each platform (spec §3.1: a full path, no search,
// no variable expansion). Kept apart so validation and warnings share one definition.

/**
 * A full path as CreateProcess takes it without a search: on Windows `X:\…` or a UNC / `\\?\`
 * path (`\foo` and `C:foo` depend on the current drive/directory, so they are not full paths);
 * elsewhere a path starting with `/`.
 */
export function isFullProgramPath(p: string, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') return /^[A-Za-z]:[\\/]/.test(p) || /^[\\/]{2}[^\\/]/.test(p);
  return p.startsWith('/');
}

/** Windows file names compare case-insensitively; POSIX ones exactly. */
export function sameProgramName(a: string, b: string, platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'win32' ? a.toUpperCase() === b.toUpperCase() : a === b;
}
