// Backend selection (one factory over the Backend port): BITS_JOB2_BACKEND=native|portable|service.
// Off Windows the default is the per-user service; 'portable' runs the engine in this process
// (embedding, tests). Native is added by issue 5; asking for it here gives a clear error.
import { bitsError } from '../api/bits-error.js';
import type { Backend } from './backend.js';

export type BackendChoice = 'native' | 'portable' | 'service' | Backend;

export interface OpenOptions {
  /** State directory for portable/service (default: per-user, see module/engine/paths.ts). */
  stateDir?: string;
}

export async function openBackend(choice?: BackendChoice, options: OpenOptions = {}): Promise<Backend> {
  if (choice && typeof choice === 'object') return choice;
  const wanted = choice ?? (process.env.BITS_JOB2_BACKEND as BackendChoice | undefined) ?? 'service';
  switch (wanted) {
    case 'portable': {
      const { PortableEngine } = await import('../engine/engine.js');
      return PortableEngine.open({ stateDir: options.stateDir });
    }
    case 'service': {
      const { ServiceClient } = await import('../service/client.js');
      return ServiceClient.connect({ stateDir: options.stateDir });
    }
    case 'native':
      throw bitsError(
        0x80040154,
        process.platform === 'win32'
          ? 'The native backend (edge-js bridge to BITS COM) is not built yet in this version; use BITS_JOB2_BACKEND=portable or service.'
          : `The native backend needs Windows BITS; this is ${process.platform}. Use BITS_JOB2_BACKEND=service (default) or portable.`,
      );
    default:
      throw bitsError(0x80070057, `BITS_JOB2_BACKEND='${String(wanted)}' is not a backend: use native, portable or service.`);
  }
}
