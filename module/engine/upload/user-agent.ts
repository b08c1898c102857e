// The User-Agent of upload packets. It names us and says which BITS we behave like, because server
// logs and URL filters that expect Windows clients look for "Microsoft BITS/" (spec §7.1 [OBS]).
import { readFileSync } from 'node:fs';

function packageVersion(): string {
  try {
    // dist/module/engine/upload/ → the package root, four folders up.
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const USER_AGENT = `bits-job2/${packageVersion()} (Microsoft BITS/7.8 compatible)`;
