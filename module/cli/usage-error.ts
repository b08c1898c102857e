// UsageError apart from errors.ts (which loads the error shapes and the HRESULT table) so that
// secrets.ts, which main() loads for every command, does not load those on the fast path.

/** Bad flags or arguments (exit 2). Never carries secrets. */
export class UsageError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UsageError';
  }
}
