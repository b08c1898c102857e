// Hand-written analysis printed under "Misses and why" when a target is missed; written from the
// profiles of a real run (see BENCHMARKS.md for the data they were drawn from). Re-read them when the
// numbers change: the tables next to them are regenerated, these words are not.
export const MISS_NOTES = {
  download: 'Analysis: (to be written from the profile).',
  rss: 'Analysis: (to be written).',
  cli: 'Analysis: (to be written from the profile).',
  list: 'Analysis: (to be written from the profile).',
};
