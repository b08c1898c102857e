// Hand-written analysis printed under "Misses and why" when a target is missed, written from the
// profiles of real runs (2026-11-25, this 2-core VM). The tables next to them are regenerated on every
// run; these words are not, so they avoid exact figures — re-read them when the numbers change.
export const MISS_NOTES = {
  download: `**What dominates.** Not CPU: the service's main thread is busy well under half of the
download (profile), and what it does is the write path itself — \`writeBuffer\` / \`fs/promises write\`
(queueing a positional write to the libuv thread pool) and \`socketOnData\` (the HTTP parser). The time
goes to waiting on that path: \`module/engine/http/body-writer.ts\` awaits \`TempFile.write\` of every
socket chunk (~64 KiB) before it reads the next one, so every chunk pays a thread-pool round trip while the
socket sits idle (strace: one \`pwrite64\` of ~64 KiB per chunk and several \`futex\` wake-ups around
each; curl does small synchronous \`write\`s on its own thread). The probe isolates exactly that loop:
in every probe we ran, its median was clearly slower than the same chunks written with \`writeSync\`
on the main thread, which came near curl. Gathering chunks into 1 MiB \`writev\` batches (fewer hops,
but the socket still waits for each write) was not consistently better than today's loop. Durability adds to it:
bits-job2 fsyncs the file before TRANSFERRED (a crash must not lose a "transferred" file), which curl does
not — hence the "curl + sync" comparison, whose cost on this VM's disk varied a lot between runs. The periodic
checkpoints (an fdatasync awaited in the data path, plus a synchronous SQLite commit on the main thread —
\`sqliteTransaction\` in the profile) sometimes cost time and sometimes none (they start the flush early);
their effect was within the noise across our runs. This shared 2-core VM is noisy (see the "runs"
columns and the load average): read single differences as rough, the consistent orderings as the finding.

**Suggested fix (not applied here).** (a) Make the chunk write cheap: run each transfer's HTTP loop in a
\`worker_thread\` and write chunks there with \`fs.writeSync\` (the probe's fast loop) — a write into the
page cache costs microseconds, and when it does block (dirty-page throttling, a network file system) it
blocks only that worker, never the service's RPC loop. Progress and checkpoints go to the main thread as
messages. A worker is a second V8 isolate, though — measure its RSS against the 80 MB target; the cheaper
variant is \`writeSync\` on the main thread, accepting that a throttled write delays RPC answers. (b) Take the checkpoint's \`fdatasync\` off the data path: start it, keep reading, and record the
position it covered once it completes — the checkpoint stays exactly as correct. (c) Keep the final
fsync: "TRANSFERRED" must mean "on disk"; the like-for-like target for that part is curl + sync.`,

  rss: `**What dominates.** Two parts. (1) The floor: a bare \`node\` process is already ~40 MiB of VmHWM on
this machine, and the idle service (Node + better-sqlite3 + our modules + the store) sits ~15–20 MiB above
that, before any transfer. (2) The download adds a roughly constant amount that does not grow with the file
(the 64 MiB and 1 GiB peaks are within a few MiB of each other): it is garbage, not retained data — every socket read allocates a
fresh ~64 KiB Buffer outside the V8 heap, and with the default young generation V8 collects them only after
tens of MiB have piled up (external-memory pressure). Shrinking the young generation
(\`--max-semi-space-size=1\`) lowers the peak, which confirms the cause.

**Suggested fix (not applied here).** The socket Buffers are allocated inside Node's HTTP client and
cannot be reused from our code, so the lever is how soon they are collected: spawn the service with
\`--max-semi-space-size=1\` (one argument in \`Starter\` in module/service/client.ts and in any service
launcher; the price is more frequent scavenges — compare the download-time column). If the peak is still
above 80 MB, the remaining lever is the floor itself (fewer modules loaded at start),
since Node alone takes half of the budget.`,

  cli: `**What dominates.** Module loading, not the work: \`info\` and \`list\` need one socket round trip of
a few ms, but the CLI first loads ~90 files (about 50 of ours and ~40 from yargs and its dependencies —
yargs, yargs-parser, cliui, y18n, escalade; counted with \`strace -e openat\`). The import table shows
that \`import 'yargs'\` alone uses a large part of the 60 ms budget (about half when the machine is
quiet), and the parser (which imports every command module eagerly) plus the service client take most of
the rest. In the profile the top entries are ESM
compile/resolve/load (\`compileSourceTextModule\`, \`node:internal/modules/esm/*\`) and yargs.

**Suggested fix (not applied here).** (1) Replace yargs on the hot path with \`node:util\` \`parseArgs\`
(built in, nothing to load), or keep yargs only for \`--help\` and usage errors, loaded lazily. (2) Register
commands by name and import only the invoked command's module. (3) Bundle \`dist/module/cli\` into one
file at build time (esbuild/rollup) so that Node resolves and compiles one module instead of ~90;
Node 22's module compile cache would help further but Node 20 has none.`,

  list: `**What dominates.** The engine is fast enough in-process; the cost is around it. In-process
\`listJobs()\` is spent in \`snapshot()\` and \`iso()\` (three \`Date#toISOString\` per job) plus GC for 10,000
fresh objects. Through the service the RPC adds JSON encoding/decoding of ~9 MB, and the CLI then pays its
start-up (see CLI latency), \`parseResponse\` of the reply, wrapping every snapshot (\`toDate\`,
\`nameOf\`, which scans \`Object.entries\` of an enum on every call) and \`printJson\`: a pretty-printed
\`JSON.stringify\` of the whole array, then one big write. With \`--backend portable\` the biggest single
item is \`JobStore.loadAll\`: one query for the jobs and then **one files query per job** (10,001 statements).

**Suggested fix (not applied here).** \`loadAll\`: read all files in one query ordered by job id and group
them in JS. \`nameOf\`: precomputed reverse maps per enum. \`snapshot\`: keep the ISO strings on the record
(they change only when the times do). \`list --json\`: stream the array (one \`JSON.stringify\` per job,
written as produced) instead of building one 9 MB string. Past those, the CLI floor (start-up, above)
decides whether an end-to-end \`list\` of 10,000 can fit in 150 ms at all.`,
  upload: `TODO`,
  rssMore: `TODO`,
  cmdlet: `TODO`,
};
