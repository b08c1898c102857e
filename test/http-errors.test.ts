// Socket errors that cannot be produced on loopback, mapped through the same function the
// downloader uses: "network lost" is BG_E_NETWORK_DISCONNECTED and transient (spec §5.2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorContext } from '../module/api/enums.js';
import { transportError } from '../module/engine/http/errors.js';

const errno = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

test('ENETUNREACH / ENETDOWN → BG_E_NETWORK_DISCONNECTED, transient, GENERAL_TRANSPORT', () => {
  for (const code of ['ENETUNREACH', 'ENETDOWN']) {
    const e = transportError(errno(code), 'http://example.invalid/x');
    assert.is(e.code, 'BG_E_NETWORK_DISCONNECTED', code);
    assert.is(e.transient, true);
    assert.is(e.context, ErrorContext.GENERAL_TRANSPORT);
  }
});

test('EHOSTUNREACH → ERROR_INTERNET_CANNOT_CONNECT, transient; a password in the URL never reaches the message', () => {
  const e = transportError(errno('EHOSTUNREACH'), 'http://alice:s3cret@example.invalid/x');
  assert.is(e.hresultHex, '0x80072EFD');
  assert.is(e.transient, true);
  assert.not.match(e.message + JSON.stringify(e.toJSON()), /s3cret/);
});

test.run();
