// The wire constants of `listJobsText` (list-text.ts), apart from the code that makes the text, so
// that the CLI's reader (module/cli/list-from-service.ts) loads them without the formatter.
export const LIST_TEXT_METHOD = 'listJobsText';
/** The result line that announces the text. */
export const TEXT_FOLLOWS = { text: 'follows' } as const;
/** The byte after the text. */
export const TEXT_END = 0x00;
/** What a call that was pending when the service went away fails with (connection.ts, list-from-service.ts). */
export const SERVICE_STOPPED_MESSAGE = 'the bits-job2 service stopped; it will be restarted on the next call';
