// Hand-written analysis printed under "Misses and why" when a target is missed, written from the
// profiles of real runs (2026-11-25, this 2-core VM). The tables next to them are regenerated on every
// run; these words are not, so they avoid exact figures — re-read them when the numbers change.
// Last revised after the download, upload and list changes of 2026-11-25 (which they describe as done);
// the upload note after issue 16's second round (2026-12-03).
export const MISS_NOTES = {
  download: `**What changed (issue 16).** Plain-http downloads straight to the server no longer go through
Node's HTTP client: \`module/engine/http/lean-get.ts\` sends the same request head on its own socket and
hands the socket's reads to the body writer as they are (node:http's parser copied every body chunk into a
fresh Buffer and ran several stream layers per read: about half the service's CPU in the earlier profiles;
undici's client measured worse still, so it was not adopted). Proxies, https and uploads stay on node:http.
The write path queues the socket's chunks while a write is in flight and writes the queue with one
\`pwritev\`; the checkpoint's \`fdatasync\` runs beside the transfer (\`checkpointer.ts\`).

**What remains.** Durability curl does not pay: periodic fdatasyncs and a final fsync before TRANSFERRED (a
crash must not lose a "transferred" file) — compare with "curl + sync". Judge by CPU per GiB: wall time on
this shared VM swings with the load and with the disk's flush cost (see the runs columns and load average).`,

  rss: `**What dominates.** Two parts. (1) The floor: a bare \`node\` process is already ~40 MiB of VmHWM on
this machine (mostly its own code pages), and the idle service (Node + better-sqlite3 + our modules + the
store) sits ~15–20 MiB above that, before any transfer. (2) The download's own ~10 MiB: the read slabs
(lean-get.ts reads the socket into reused 256 KiB slabs, ~16 of them: the 1 MiB write queue, the write in
flight, the free ones), V8's young generation (capped at 1 MiB per semi-space by the launchers,
module/service/node-flags.ts; the row above is the service with V8's default 16 MiB), and malloc'd memory
of the compiler and the store.

**What was tried.** Before the slabs, every socket read allocated a fresh ~64 KiB Buffer and V8 freed them
only after tens of MiB had piled up (~40 MiB of the peak); \`--optimize-for-size\` did not help and forcing
collections made it worse. The upload stack is loaded only when an upload runs. What is left of the floor
is Node itself (code pages, its ESM loader) and the SQLite add-on.`,

  cli: `**What dominates.** Module loading, not the work: \`info\` and \`list\` need one socket round trip of
a few ms. \`info\` and \`list\` in their simple forms already skip yargs (\`module/cli/fast-path.ts\`: the same
handlers, the same output and exit codes; anything else goes through yargs), which took the CLI from about
+85 ms to about +37 ms over \`node -e 0\` here. What remains is ESM compile/resolve/load of the CLI's own
modules and the service client (\`compileSourceTextModule\`, \`node:internal/modules/esm/*\` in the profile).

**What would help (not done).** Bundle \`dist/module/cli\` into one file at build time so Node resolves and
compiles one module instead of ~50 (\`info\`'s 49 modules cost ~60 ms of CPU over \`node -e 0\` when imported
alone): no bundler is among the dependencies, and adding one would break \`npm ci\` without network. Node 20
has no compile cache for ES modules (\`module.enableCompileCache\` is Node 22), and \`--snapshot-blob\` needs a
flag on the command line and a CommonJS entry.`,

  list: `**What dominates.** Via the service, \`list --json\` no longer builds anything in the CLI: the service
writes the very document the CLI prints (\`listJobsText\`, \`module/service/list-text.ts\`: a result line, the
UTF-8 text, a NUL) and the CLI copies it from a socket of its own to stdout (\`module/cli/list-from-service.ts\`,
17 modules instead of ~50; no service running, an older service or an error reply: the ordinary path, same
bytes — \`test/cli-list-from-service.test.ts\`). The service formats each ~200 KB piece while the one before
drains, and a record's ISO times are kept between listings (\`module/engine/snapshot.ts\`; they were most of
\`listJobs\`). What is left is Node's start-up, the service's pretty \`JSON.stringify\` of ~9 MB (its young
generation is capped at 1 MiB for the RSS target, so it also collects often) and moving 9 MB through a socket
and a pipe. The \`--backend portable\` row opens the SQLite store and the whole engine (~150 modules) in the CLI
process and formats there.

**What would close the rest (not done).** For \`--backend portable\`, reading the rows read-only straight into
the document, but only where opening the engine would change nothing (its open-time recovery, retry and
inactivity rules decide a job's state), so not without duplicating those rules. With Node's own start-up at
~60-90 ms and ~9 MB of output to move, 150 ms end to end leaves little room on this machine.`,
  upload: `**What changed (issue 16, round 2).** Three costs were found by profiling and removed. (1) Since the
bandwidth policy landed, every background (NORMAL) job's upload wrote each 1 MiB read as awaited 16 KiB pieces
through the pacer even with no cap in force (and its downloads ran every chunk through a splitting stage):
\`TransferPacer.unlimited()\` (\`module/engine/rate/pacer.ts\`) lets whole chunks through while no cap holds.
(2) Our server's receive path: every body chunk went through Node's HTTP parser (a copy into a fresh Buffer)
and the IncomingMessage stream; now the BITS_POST shim hands a Fragment's body to the fragment writer as the
socket's own chunks (\`module/server/diverted-body.ts\`, \`request-framer.ts\` \`divert\`), and Node's
parser sees only the head. (3) The client committed the job (SQLite, an fsync) after every acknowledged
Fragment, stopping the stop-and-wait upload each time; progress is now committed at the download's checkpoint
rate, everything else in the session state at once (\`module/engine/upload/progress-checkpoint.ts\`).
(4) Round 3: the server still allocated a fresh 64 KiB ArrayBuffer per socket read, and that external memory
made V8 run a mark-compact every ~20 MiB (27 per 512 MiB). Plain-TCP connections now read into one shared
buffer, or straight into the receiving body's pooled 512 KiB slab, reused once the fragment writer's pwritev
completed (\`module/server/socket-read-buffer.ts\`, \`diverted-body.ts\`): one mark-compact per upload, server
CPU per GiB −35 to −42 % in paired runs.

**What remains.** The protocol's shape: each Fragment (1 MiB first, doubling to 13 MiB) must be acknowledged
before the next one starts, and our server acknowledges only after the fragment's last write completed, so
the disk write of a fragment's tail and the Ack's round trip are not overlapped with the next fragment (the
fragment-size curve below shows the per-fragment cost). Our server fdatasyncs an upload before committing it
("curl -T + sync" is the like-for-like row; section 4 says what each side has flushed when its clock stops).
What is left of the server's CPU is mostly the kernel's (socket receive, page-cache writes in the thread pool)
and a few milliseconds per Fragment of session bookkeeping (session.json read and replaced, the request file
opened and closed); the client's is the file read and the socket write of every byte.`,
  rssMore: `**What dominates.** The upload's service peak is about the same as the download's (well above the idle
service and independent of file size), so the same explanation applies: a ~40 MiB Node floor, the
service's modules and store on top, and short-lived Buffers that V8 collects late (see "RSS" above). With
many concurrent jobs the live data really grows: every running job holds a socket, an HTTP parser, a temp
file handle, up to 2 MiB of queued chunks and its job record — the probe table above separates garbage (a
smaller young generation lowers it a little) from live data (most of the peak stays). The 80 MB target
cannot hold for 100 simultaneous transfers in one Node process on this machine's Node floor.

**What would help (not done).** Cap the number of simultaneous foreground transfers (e.g. 16, the rest
waiting in QUEUED — the spec lets the scheduler decide when a job actually transfers) so the peak no longer
grows with the number of jobs; reuse one \`http.Agent\` per origin so sockets and parsers are shared.`,
  concurrent: `**Where the concurrent batch's time goes** (profile above). Store writes are group-committed
(\`module/engine/store-commit.ts\`): the state changes and checkpoints of every job in one event-loop turn are
one SQLite transaction, committed without a sync and then made durable by one fdatasync of the -wal file on
the thread pool, while the main thread keeps reading sockets; every reply (and notify run, and in-process
promise) waits for the sync that holds its change. Before, every change was its own commit with an fsync
on the main thread (\`synchronous = FULL\`) and \`sqliteTransaction\` was ~41 % of the main thread in this
batch; with group commit better-sqlite3 is a few %. What remains: (1) the bench resumes the 100 jobs one
after the other, and each \`resume\` answer waits for one -wal sync, which while the first jobs write their
files takes milliseconds (traced during issue 16: median 0.5-3 ms, 90th percentile 10-20 ms on this
machine), so "resume of all" is still most of the wall time and the last jobs start late; (2) the data
path's CPU per byte (socket reads, a thread-pool write per batch of chunks, garbage collection of read
buffers): on two shared cores the batch is CPU-bound, so the throughput ratio follows the CPU ratio.
Fairness among the jobs that run is good (the engine gives every foreground job the same share); curl's
per-transfer times spread much more.

**What would help (not done).** Resuming many jobs in one call (one sync for all of them) or pipelining the
resumes from the client; one read-buffer pool for every connection of the service instead of buffers per
connection (with 100 jobs the read buffers are most of the peak above the idle service).`,
  cmdlet: `**What dominates.** Each cmdlet call is one CLI process, so the cmdlet pays the whole CLI start-up (see
"CLI latency") plus starting a process from .NET with three redirected streams, which on a loaded machine
is slower than Node's spawn (the \`& node cli\` row), plus reading the CLI's CLIXML with
\`PSSerializer::Deserialize\` and re-adding the plain type names (about a millisecond for one job).

**What would help (not done).** Keep one connection per runspace to the service's socket and call it
directly (no node start-up per call); that would make the cmdlet faster than the CLI it wraps.`,
};
