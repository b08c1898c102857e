// A response body read only as fast as a pacer allows (downloads of background jobs). The pacer's
// wait holds the transform's callback; with small buffers on both sides the response, then the
// socket, pause, the kernel's receive buffer fills and TCP's advertised window tells the server to
// slow down — a receiver-side rate limit without any server support.
import { pipeline, Transform, type Readable } from 'node:stream';
import { PACED_PIECE_BYTES, pacerIdle, type TransferPacer } from './pacer.js';

/**
 * A paced download reads its socket in steps this small (lean-get.ts's readStepBytes). Each read
 * opens TCP's receive window by what it took, and the sender answers with one burst of that size
 * into the bottleneck's queue: at 40 Mbit/s 16 KiB is 3.3 ms, under the yielding controller's 5 ms
 * target, where the 256 KiB slab reads were 50 ms and read as other traffic (rate/README.md).
 */
export const PACED_READ_STEP_BYTES = 16 * 1024;

/** Bytes buffered inside the pacing stage (each side): small, so backpressure reaches the socket quickly. */
const STAGE_HIGH_WATER_MARK = 64 * 1024;

export function pacedBody(response: Readable, pacer: TransferPacer): Readable {
  let timer: NodeJS.Timeout | undefined;
  const stage = new Transform({
    readableHighWaterMark: STAGE_HIGH_WATER_MARK,
    writableHighWaterMark: STAGE_HIGH_WATER_MARK,
    transform(chunk: Buffer, _enc, done) {
      // No cap in force: the chunk goes on whole (no 16 KiB pieces, no per-piece bookkeeping).
      if (pacerIdle(pacer)) return done(null, chunk);
      let at = 0;
      const next = (): void => {
        timer = undefined;
        while (at < chunk.length) {
          const piece = chunk.subarray(at, at + PACED_PIECE_BYTES);
          const wait = pacer.delayFor(piece.length);
          at += piece.length;
          if (wait > 0) {
            // The piece is paid for: hand it over after the wait, then go on with the rest.
            timer = setTimeout(() => {
              this.push(piece);
              next();
            }, wait);
            return;
          }
          this.push(piece);
        }
        done();
      };
      next();
    },
    destroy(err, cb) {
      if (timer) clearTimeout(timer);
      cb(err);
    },
  });
  // Errors either way reach the other side: a destroyed stage (abort, idle timeout) closes the socket.
  pipeline(response, stage, () => undefined);
  return stage;
}
