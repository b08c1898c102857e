// A deliberately broken bridge for the Wine lane's mutant checks: IBackgroundCopyJob with
// GetProgress and GetTimes swapped — both take a 24-byte struct, so the bridge compiles, marshals
// and runs, but every call lands in the other vtable slot. Against the headers
// (test/interop-headers.test.ts) and against Wine's BITS (test/wine-native.test.ts) it must fail.
const PROGRESS = '        void GetProgress(out BG_JOB_PROGRESS pVal);\n';
const TIMES = '        void GetTimes(out BG_JOB_TIMES pVal);\n';

/** BitsInterfaces.cs with the first (IBackgroundCopyJob's) GetProgress/GetTimes declarations swapped. */
export function reorderedBridgeSource(source: string): string {
  const pair = PROGRESS + TIMES;
  const at = source.indexOf(pair);
  if (at < 0) throw new Error('bridge-mutant: GetProgress/GetTimes are no longer adjacent in BitsInterfaces.cs; update the mutant');
  return source.slice(0, at) + TIMES + PROGRESS + source.slice(at + pair.length);
}
