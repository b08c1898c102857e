// Deliberately broken backends: the real engine with one rule of the spec bent. The contract suite
// must fail against each of them (test/contract-mutant.test.ts), which shows it catches such bugs.
import { BitsError } from '../../module/api/bits-error.js';
import type { Backend } from '../../module/api/port.js';

export const MUTATIONS = {
  /** Resume with no files succeeds instead of BG_E_EMPTY. */
  'resume-empty-ok': (b: Backend): Partial<Backend> => ({
    resume: (id) => b.resume(id).catch((e: BitsError) => { if (e.code !== 'BG_E_EMPTY') throw e; }),
  }),
  /** Reports notify flags 0 instead of the default 0x0003. */
  'notify-default-0': (b: Backend): Partial<Backend> => ({
    getJob: async (id) => ({ ...(await b.getJob(id)), notifyFlags: 0 }),
  }),
  /** GetJob still finds ACKNOWLEDGED/CANCELLED jobs. */
  'final-jobs-found': (b: Backend): Partial<Backend> => ({
    getJob: (id) => b.describeJob(id),
  }),
  /** A second Complete "succeeds". */
  'double-complete-ok': (b: Backend): Partial<Backend> => ({
    complete: (id) => b.complete(id).catch((e: BitsError) => {
      if (e.code !== 'BG_E_INVALID_STATE') throw e;
      return { hresult: 0, name: 'S_OK' };
    }),
  }),
  /** The retry delay floor of 5 s is not applied. */
  'no-retry-floor': (b: Backend): Partial<Backend> => {
    const raw = new Map<string, number>();
    return {
      setProperty: async (id, name, value) => {
        await b.setProperty(id, name, value);
        if (name === 'minimumRetryDelay') raw.set(id, value as number);
      },
      getJob: async (id) => {
        const s = await b.getJob(id);
        return raw.has(s.id) ? { ...s, minimumRetryDelay: raw.get(s.id)! } : s;
      },
    };
  },
} as const;

export type MutationName = keyof typeof MUTATIONS;

export function mutate(backend: Backend, mutation: MutationName): Backend {
  const overrides = MUTATIONS[mutation](backend);
  return new Proxy(backend, {
    get(target, prop, receiver) {
      if (prop in overrides) return (overrides as Record<string | symbol, unknown>)[prop];
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
