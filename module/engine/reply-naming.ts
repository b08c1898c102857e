// The reply of an UPLOAD_REPLY job as the engine reports it: its file name (explicit or generated)
// and its progress (live position while the reply downloads).
import type { ReplyProgressWire } from '../api/types.js';
import type { JobRecord } from './job-record.js';

/** The reply file name: explicit, else `<local upload file>.<job id>.reply` (spec §3.5 [DECISION]); null before both. */
export function replyPath(job: JobRecord): string | null {
  if (job.replyFileName) return job.replyFileName;
  const f = job.files[0];
  return f ? `${f.localName}.${job.id}.reply` : null;
}

export function replyProgressOf(job: JobRecord, live: ReadonlyMap<string, number>): ReplyProgressWire {
  const r = job.reply;
  if (!r || r.bytesTotal === null) return { bytesTotal: null, bytesTransferred: 0 };
  return { bytesTotal: r.bytesTotal, bytesTransferred: r.done ? r.bytesTotal : live.get(`${job.id}:reply`) ?? r.bytesTransferred };
}
