// Imported first by runners that call uvu's exec() themselves (run-native.ts): uvu reads
// UVU_DEFER when it is first imported and then does not start the suites on a timer.
const g = globalThis as { UVU_DEFER?: number; UVU_QUEUE?: unknown[][] };
g.UVU_DEFER = 1;
g.UVU_QUEUE = [[null]]; // one unnamed group, what uvu itself sets up when it is not deferred
export {};
