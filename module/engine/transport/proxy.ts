// Which proxy (if any) carries a request, from the job's SetProxySettings (spec §4.1):
// * PRECONFIG (0): the environment (proxy-env.ts) — the portable stand-in for IE settings.
// * NO_PROXY (1): always direct.
// * OVERRIDE (2): the job's proxy list and bypass list (proxy-list.ts, bypass.ts).
// * AUTODETECT (3): there is no WPAD/PAC discovery in the portable engine [DECISION]; it behaves
//   as PRECONFIG, which is also what BITS falls back to when detection finds nothing.
// The settings are validated when the plan is made, i.e. when a transfer starts: a bad entry
// fails the transfer with BG_E_INVALID_PROXY_INFO even if the URL at hand would not use it.
import { ProxyUsage } from '../../api/enums.js';
import type { JobProxySettings, TransportOptions } from '../transport-port.js';
import { bypassed, parseBypassList, type BypassRule } from './bypass.js';
import { invalidProxyInfoError } from './proxy-errors.js';
import { proxiesFromEnv } from './proxy-env.js';
import { parseProxyList, pickProxy } from './proxy-list.js';
import type { ProxyServer } from './proxy-syntax.js';

export type { ProxyServer } from './proxy-syntax.js';

export interface ProxyPlan {
  /** The proxy for a request to `url`, or null to connect directly. */
  proxyFor(url: URL): ProxyServer | null;
  /** The proxy came from a *_PROXY variable that carried user:password@ (not used; said in 407 messages). */
  readonly credentialsInUrl: boolean;
}

const DIRECT: ProxyPlan = { proxyFor: () => null, credentialsInUrl: false };

function planFrom(servers: { http: ProxyServer | null; https: ProxyServer | null }, bypass: BypassRule[], credentialsInUrl: boolean): ProxyPlan {
  return {
    proxyFor: (url) => {
      const server = url.protocol === 'https:' ? servers.https : url.protocol === 'http:' ? servers.http : null;
      return server && !bypassed(bypass, url) ? server : null;
    },
    credentialsInUrl,
  };
}

/** Validates the settings and returns the per-URL choice; throws BG_E_INVALID_PROXY_INFO. Absent settings = direct. */
export function proxyPlan(settings: JobProxySettings | undefined, env: NodeJS.ProcessEnv = process.env): ProxyPlan {
  if (!settings) return DIRECT;
  switch (settings.usage) {
    case ProxyUsage.NO_PROXY:
      return DIRECT;
    case ProxyUsage.PRECONFIG:
    case ProxyUsage.AUTODETECT: {
      const e = proxiesFromEnv(env);
      return planFrom(e, e.bypass, e.credentialsInUrl);
    }
    case ProxyUsage.OVERRIDE: {
      if (settings.proxyList === null) throw invalidProxyInfoError('proxy list', '', 'OVERRIDE needs a proxy list');
      const entries = parseProxyList(settings.proxyList);
      const bypass = parseBypassList(settings.bypassList);
      return planFrom({ http: pickProxy(entries, 'http:'), https: pickProxy(entries, 'https:') }, bypass, false);
    }
    default:
      throw invalidProxyInfoError('proxy usage', String(settings.usage), 'the usage must be PRECONFIG (0), NO_PROXY (1), OVERRIDE (2) or AUTODETECT (3)');
  }
}

/** The plan for a transfer's TransportOptions (env defaults to process.env). */
export function proxyPlanFor(transport: TransportOptions | undefined): ProxyPlan {
  return proxyPlan(transport?.proxy, transport?.env ?? process.env);
}
