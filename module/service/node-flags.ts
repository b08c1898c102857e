// Node/V8 options of the service process, given by every launcher (starter.ts, login-item.ts,
// user-session.ts) in front of main.js. The service is long-lived and mostly idle, so its memory is
// the figure that matters (issue 16: ≤ 80 MB at any download size).
//
// --max-semi-space-size=1 (MiB): V8 grows the young generation up to 16 MiB per semi-space when
// many objects survive a scavenge (start-up does that), and keeps it; a download then holds two of
// them resident. Capped at 1 MiB the service's peak RSS is ~4 MiB lower; scavenges get more frequent,
// which costs no measurable CPU per GiB (paired runs in BENCHMARKS.md) because the download path
// allocates little per socket read (lean-get.ts reads into reused slabs).
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
