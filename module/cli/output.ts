// Machine and human shapes of results. JSON: job snapshots with names for enums, dates as ISO
// strings (Date#toJSON), byte counts as numbers (null = unknown), HRESULTs as {hresult, hresultHex, name}.
import { hex, hresultMessage, hresultName } from '../api/hresult.js';
import type { FileInfoWire, HResultWire } from '../api/types.js';
import { unavailableText, type JobInfo } from '../core/job-info.js';
import type { SnapshotField } from '../api/types.js';
import { formatBytes, formatDate, formatNotifyFlags, formatRetryDue, formatSeconds, paint, percent, progressText, stateColor } from './format.js';

export interface HResultJSON {
  hresult: number;
  hresultHex: string;
  name: string;
}

export function hresultJson(hr: HResultWire | number): HResultJSON {
  const value = typeof hr === 'number' ? hr >>> 0 : hr.hresult >>> 0;
  return { hresult: value, hresultHex: hex(value), name: typeof hr === 'number' ? hresultName(value) : hr.name || hresultName(value) };
}

/** `S_OK`: nothing; otherwise ` BG_S_PARTIAL_COMPLETE (0x00200017): Complete kept only fully transferred files.` */
export function successNote(hr: HResultWire): string {
  const h = hresultJson(hr);
  return h.hresult === 0 ? '' : `: ${h.name} (${h.hresultHex}) — ${hresultMessage(h.hresult)}`;
}

/** A job snapshot for --json (`files` only where they were read). */
export function jobJson(info: JobInfo): JobInfo;
export function jobJson(info: JobInfo, files: FileInfoWire[]): JobInfo & { files: FileInfoWire[] };
export function jobJson(info: JobInfo, files?: FileInfoWire[]): JobInfo | (JobInfo & { files: FileInfoWire[] }) {
  return files ? { ...info, files } : { ...info };
}

/** `Next retry: <local time> (in N s)` while the job waits in TRANSIENT_ERROR (or why it cannot be told). */
function nextRetryRow(info: JobInfo): [string, string][] {
  const why = unavailableText(info, 'nextRetryTime');
  if (why) return [['Next retry', why]];
  if (info.state !== 'TRANSIENT_ERROR') return [];
  return [['Next retry', info.nextRetryTime ? formatRetryDue(info.nextRetryTime) : '- (none due: it waits for the bandwidth policy, or the no-progress timeout ends first)']];
}

/** Every property of a job, for `info`. */
export function jobText(info: JobInfo, files?: FileInfoWire[]): string {
  // A field the backend could not read (native on a partial BITS) shows why, instead of its value.
  const show = (field: SnapshotField, value: () => string): string => unavailableText(info, field) ?? value();
  const rows: [string, string][] = [
    ['Id', info.id],
    ['Name', show('displayName', () => info.displayName)],
    ['Description', show('description', () => info.description || '-')],
    ['Type', info.type],
    ['State', paint(stateColor(info.state), info.state)],
    ['Priority', show('priority', () => info.priority)],
    ['Owner', show('owner', () => info.owner)],
    ['Progress', show('progress', () => progressText(info.progress))],
    ['Created', show('times', () => formatDate(info.times.creationTime))],
    ['Modified', show('times', () => formatDate(info.times.modificationTime))],
    ['Transferred', show('times', () => formatDate(info.times.transferCompletionTime))],
    ['Error count', show('errorCount', () => String(info.errorCount))],
    ['Retry delay', show('minimumRetryDelay', () => formatSeconds(info.minimumRetryDelay))],
    ...nextRetryRow(info),
    ['No-progress timeout', show('noProgressTimeout', () => formatSeconds(info.noProgressTimeout))],
    ['Notify flags', show('notifyFlags', () => formatNotifyFlags(info.notifyFlags))],
    ['Notify command', show('notifyCmdLine', () => info.notifyCmdLine.program ? `${info.notifyCmdLine.program}  [${info.notifyCmdLine.parameters}]` : '-')],
    ['Proxy', show('proxy', () => info.proxy.usage + (info.proxy.proxyList ? ` ${info.proxy.proxyList}` : '') + (info.proxy.bypassList ? ` (bypass: ${info.proxy.bypassList})` : ''))],
  ];
  if (info.type === 'UPLOAD_REPLY') {
    const rp = info.replyProgress;
    rows.push(['Reply progress', show('replyProgress', () => rp ? `${formatBytes(rp.bytesTransferred)} / ${formatBytes(rp.bytesTotal)}` : '-')]);
    rows.push(['Reply file', show('replyFileName', () => info.replyFileName ?? '-')]);
  }
  if (info.unavailable?.error) rows.push(['Error', unavailableText(info, 'error')!]);
  if (info.error) {
    const e = info.error;
    rows.push(['Error', paint('red', `${e.name} (${e.hresultHex}) in ${e.context}: ${e.message}`)]);
    if (e.contextDescription) rows.push(['Error context', e.contextDescription]);
    if (e.protocol) rows.push(['Error protocol', e.protocol]);
    if (e.file) rows.push(['Error file', `${e.file.remoteName} -> ${e.file.localName}`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const lines = rows.map(([k, v]) => `${(k + ':').padEnd(width)}${v}`);
  if (files) {
    lines.push(`Files (${files.length}):`);
    files.forEach((f, i) => {
      const p = f.progress;
      const status = p.completed ? paint('green', 'done') : `${percent(p.bytesTransferred, p.bytesTotal)}`;
      lines.push(`  ${i + 1}. ${f.remoteName}`);
      lines.push(`     -> ${f.localName}  ${formatBytes(p.bytesTransferred)} / ${formatBytes(p.bytesTotal)}  ${status}`);
    });
  }
  return lines.join('\n');
}
