// A `--json` array document written in pieces: the bytes of JSON.stringify(items, null, 2), but made
// and written a few hundred items at a time. `list --json` of 10,000 jobs is 8.9 MB of text; as one
// string it was flattened, copied into one Buffer and written at once, and nothing reached the
// reader (a pipe, `| jq`) before all of it was formatted. In pieces the peak memory is one chunk, the
// reader starts on the first jobs while the rest is formatted, and a reader that goes away
// (`list --json | head`) stops the formatting at the next chunk instead of after the last one.
//
// Why the pieces are exact: the pretty printer indents an item of a top-level array the same
// wherever the array starts, so the text of JSON.stringify(slice, null, 2) between its opening "[\n"
// and its closing "\n]" is that slice's text inside the whole document, and pieces are joined with
// ",\n" as the printer joins items. Each piece is encoded once, as it is: the "[" of a piece that
// continues the array becomes "," in place and the "\n]" of every piece but the last is cut off the
// Buffer (ASCII at both ends, so byte and character offsets agree), which spares copying the text
// into a new string first. test/cli-json-chunks.test.ts compares them with the whole document.

/** Items per piece: ~200 KB of text for job snapshots, a few dozen writes for 10,000 jobs. */
export const CHUNK_ITEMS = 256;

/** The bytes (UTF-8) of JSON.stringify(items, null, 2) + `trailer`, as consecutive pieces. */
export function* prettyArrayChunks(items: readonly unknown[], trailer = '', chunkItems = CHUNK_ITEMS): Generator<Buffer> {
  if (items.length === 0) {
    yield Buffer.from('[]' + trailer);
    return;
  }
  for (let i = 0; i < items.length; i += chunkItems) {
    const last = i + chunkItems >= items.length;
    const text = JSON.stringify(items.slice(i, i + chunkItems), null, 2);
    const bytes = Buffer.from(last ? text + trailer : text);
    if (i > 0) bytes[0] = 0x2c; // "[" → ","
    yield last ? bytes : bytes.subarray(0, bytes.length - 2); // without "\n]"
  }
}

/**
 * Writes `pieces` to `out` one after the other, waiting for 'drain' when the stream asks for it and
 * otherwise giving the event loop a turn, so that an error of the stream (EPIPE of a closed pipe:
 * main.ts ends the process then) is seen between two pieces. Rejects with the stream's error.
 */
export async function writePieces(out: NodeJS.WritableStream, pieces: Iterable<string | Uint8Array>): Promise<void> {
  let failure: unknown;
  const onError = (e: unknown): void => {
    failure ??= e;
  };
  out.on('error', onError);
  try {
    for (const piece of pieces) {
      if (failure !== undefined) break;
      const drained = out.write(piece);
      await new Promise<void>((resolve) => {
        if (drained) return setImmediate(resolve);
        const done = (): void => {
          out.off('drain', done);
          out.off('error', done);
          out.off('close', done);
          resolve();
        };
        out.on('drain', done);
        out.on('error', done);
        out.on('close', done);
      });
    }
  } finally {
    out.off('error', onError);
  }
  if (failure !== undefined) throw failure;
}
