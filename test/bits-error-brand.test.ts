// BitsError across two copies of the package: errors made by another copy (another realm of the
// module, as with two installed versions) are recognised by instanceof and BitsError.is; subclasses
// keep ordinary instanceof; lookalike objects are not BitsErrors.
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BitsError } from '../module/api/bits-error.js';
import { HttpTransferError } from '../module/engine/http/errors.js';

const api = join(dirname(fileURLToPath(import.meta.url)), '..', 'module', 'api');

test('a BitsError of a second copy of module/api is instanceof BitsError here, and BitsError.is', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-brand-'));
  try {
    cpSync(api, join(dir, 'api'), { recursive: true });
    copyFileSync(join(api, '..', '..', '..', 'package.json'), join(dir, 'package.json'));
    const other = (await import(pathToFileURL(join(dir, 'api', 'bits-error.js')).href)) as { BitsError: typeof BitsError };
    assert.is.not(other.BitsError, BitsError, 'really a second copy');
    const foreign = new other.BitsError(0x80200001, 'from the other copy');
    assert.ok(foreign instanceof BitsError);
    assert.ok(BitsError.is(foreign));
    assert.is(BitsError.from(foreign), foreign, 'from() keeps it as it is');
    assert.ok(new BitsError(1) instanceof other.BitsError, 'and the other way round');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('subclasses keep ordinary instanceof; plain errors and lookalikes are not BitsErrors', () => {
  const http = new HttpTransferError(0x80190194, 'not there', 5, false);
  assert.ok(http instanceof HttpTransferError && http instanceof BitsError && BitsError.is(http));
  const plain = new BitsError(0x80004005);
  assert.not.ok(plain instanceof HttpTransferError, 'a plain BitsError is no HttpTransferError');
  assert.not.ok(BitsError.is(new Error('x')));
  assert.not.ok(BitsError.is({ name: 'BitsError', hresult: 0x80200001 }));
  assert.not.ok(BitsError.is(null));
  assert.not.ok({ hresult: 1 } instanceof BitsError);
});

test.run();
