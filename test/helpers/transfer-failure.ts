// A transfer that must fail, and the HttpTransferError it failed with (anything else, or success,
// fails the test with what happened instead). Every such error is kept in `errors`, so a test can
// check at its end that no message holds a password or a token.
import { HttpTransferError } from '../../module/engine/http/download.js';

export function transferFailures(): { errors: HttpTransferError[]; failure(p: Promise<unknown>): Promise<HttpTransferError> } {
  const errors: HttpTransferError[] = [];
  async function failure(p: Promise<unknown>): Promise<HttpTransferError> {
    let e: unknown;
    try {
      await p;
    } catch (x) {
      e = x;
    }
    if (e === undefined) throw new Error('expected a failure, it succeeded');
    if (!(e instanceof HttpTransferError)) throw new Error(`expected an HttpTransferError, got ${(e as Error)?.stack ?? String(e)}`);
    errors.push(e);
    return e;
  }
  return { errors, failure };
}
