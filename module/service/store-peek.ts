#!/usr/bin/env node
// `node store-peek.js <stateDir>`: prints every job of a store as JSON on stdout, reading the
// SQLite file read-only (JobStore.readOnly). An administrator runs it as the store's owner
// (as-user.ts) when that user's service is not running: listing and `info` of the user's jobs then
// start nothing — no transfer resumes, no notify program runs, no file in the state dir changes
// owner — and root's SQLite never parses a file the user controls.
import { JobState, JobType } from '../api/enums.js';
import { storePath } from '../common/paths.js';
import { errorInfo, fileInfo, snapshot } from '../engine/snapshot.js';
import { JobStore } from '../engine/store.js';
import type { FileInfoWire, JobErrorWire, JobSnapshotWire } from '../api/types.js';
import type { JobRecord } from '../engine/job-record.js';

export interface PeekedJob {
  snapshot: JobSnapshotWire;
  files: FileInfoWire[];
  error: JobErrorWire | null;
}

function peek(job: JobRecord): PeekedJob {
  const live = (_j: JobRecord, f: JobRecord['files'][number]) => f.bytesTransferred;
  const reply = job.type === JobType.UPLOAD_REPLY
    ? {
        fileName: job.replyFileName ?? (job.files[0] ? `${job.files[0].localName}.${job.id}.reply` : null),
        progress: !job.reply || job.reply.bytesTotal === null
          ? { bytesTotal: null, bytesTransferred: 0 }
          : { bytesTotal: job.reply.bytesTotal, bytesTransferred: job.reply.done ? job.reply.bytesTotal : job.reply.bytesTransferred },
      }
    : null;
  // A service that was killed leaves CONNECTING/TRANSFERRING behind; it would show QUEUED at its next start.
  const shown = job.state === JobState.CONNECTING || job.state === JobState.TRANSFERRING ? { ...job, state: JobState.QUEUED } : job;
  return { snapshot: snapshot(shown, live, reply), files: job.files.map((f) => fileInfo(job, f, live)), error: errorInfo(shown) };
}

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: store-peek.js <stateDir>\n');
  process.exit(1);
}
try {
  const { jobs, unreadable } = JobStore.readOnly(storePath(dir));
  process.stdout.write(JSON.stringify({ jobs: jobs.map(peek), unreadable }) + '\n');
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  // No store yet (the user never created a job, or it was deleted): no jobs.
  if (err.code === 'SQLITE_CANTOPEN' || /unable to open|does not exist/i.test(err.message)) process.stdout.write(JSON.stringify({ jobs: [], unreadable: [] }) + '\n');
  else {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
