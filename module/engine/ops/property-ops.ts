// A job's settable properties (spec §3: the BITS setters' validation and codes), its proxy
// settings, its error, and TakeOwnership (native only).
import { bitsError } from '../../api/bits-error.js';
import { JobPriority, NOTIFY_FLAGS_VALID_MASK, ProxyUsage } from '../../api/enums.js';
import { HR } from '../../api/hresult.js';
import { LIMITS } from '../../api/limits.js';
import type { JobPropertyName } from '../../api/operations.js';
import type { JobErrorWire, ProxySettingsWire } from '../../api/types.js';
import { shown } from '../job-outcome.js';
import { errorInfo } from '../snapshot.js';
import { checkSeconds, checkString } from '../validate.js';
import type { EngineParts } from './parts.js';

export async function getError(e: EngineParts, jobId: string): Promise<JobErrorWire> {
  const info = errorInfo(e.table.find(jobId));
  if (!info) throw bitsError(HR.BG_E_ERROR_INFORMATION_UNAVAILABLE, 'The job is not in ERROR or TRANSIENT_ERROR.');
  return info;
}

export async function setProperty(e: EngineParts, jobId: string, name: JobPropertyName, value: string | number): Promise<void> {
  const job = e.table.findMutable(jobId);
  switch (name) {
    case 'displayName':
      job.displayName = checkString(value, 'The display name', LIMITS.displayNameMax, HR.BG_E_STRING_TOO_LONG);
      break;
    case 'description':
      job.description = checkString(value, 'The description', LIMITS.descriptionMax, HR.BG_E_STRING_TOO_LONG);
      break;
    case 'priority':
      if (!Object.values(JobPriority).includes(value as 0)) throw bitsError(HR.E_NOTIMPL, `Priority ${shown(value)} is not FOREGROUND (0), HIGH (1), NORMAL (2) or LOW (3).`);
      job.priority = value as number;
      break;
    case 'minimumRetryDelay':
      job.minimumRetryDelay = Math.max(LIMITS.minimumRetryDelayFloor, checkSeconds(value, 'The retry delay'));
      break;
    case 'noProgressTimeout':
      job.noProgressTimeout = checkSeconds(value, 'The no-progress timeout');
      break;
    case 'notifyFlags':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || (value & ~NOTIFY_FLAGS_VALID_MASK) !== 0) {
        throw bitsError(HR.E_NOTIMPL, `Notify flags ${typeof value === 'number' ? `0x${value.toString(16)}` : shown(value)} have bits outside 0x3F.`);
      }
      job.notifyFlags = value;
      break;
    default:
      throw bitsError(HR.E_INVALIDARG, `'${shown(name)}' is not a settable job property.`);
  }
  e.table.commit(job);
  if (name === 'priority') e.pool.reschedule();
  if (name === 'notifyFlags') e.notifier.check(job);
}

export async function setProxySettings(e: EngineParts, jobId: string, usage: number, proxyList: string | null, bypassList: string | null): Promise<void> {
  const job = e.table.findMutable(jobId);
  if (!Object.values(ProxyUsage).includes(usage as 0)) throw bitsError(HR.E_NOTIMPL, `Proxy usage ${shown(usage)} is not PRECONFIG, NO_PROXY, OVERRIDE or AUTODETECT.`);
  if (usage === ProxyUsage.OVERRIDE) {
    if (proxyList === null || proxyList === undefined) throw bitsError(HR.E_INVALIDARG, 'OVERRIDE needs a proxy list.');
  } else if (proxyList || bypassList) {
    throw bitsError(HR.E_INVALIDARG, 'Proxy and bypass lists are only allowed with OVERRIDE.');
  }
  if (proxyList && proxyList.length > LIMITS.proxyListMax) throw bitsError(HR.BG_E_PROXY_LIST_TOO_LARGE, `The proxy list is over ${LIMITS.proxyListMax} characters.`);
  if (bypassList && bypassList.length > LIMITS.proxyListMax) throw bitsError(HR.BG_E_PROXY_BYPASS_LIST_TOO_LARGE, `The bypass list is over ${LIMITS.proxyListMax} characters.`);
  job.proxyUsage = usage;
  job.proxyList = usage === ProxyUsage.OVERRIDE ? proxyList : null;
  job.bypassList = usage === ProxyUsage.OVERRIDE ? bypassList ?? null : null;
  e.table.commit(job);
}

export async function getProxySettings(e: EngineParts, jobId: string): Promise<ProxySettingsWire> {
  const job = e.table.find(jobId);
  return { usage: job.proxyUsage, proxyList: job.proxyList, bypassList: job.bypassList };
}

export async function takeOwnership(e: EngineParts, jobId: string): Promise<void> {
  e.table.findMutable(jobId);
  throw bitsError(HR.E_ACCESSDENIED, 'The portable engine runs one service per user and has no administrator role: TakeOwnership is available with the native backend only.');
}
