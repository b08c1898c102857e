// A built-in server application for trying upload-reply jobs (`bits-job2 serve --echo-reply`): the
// reply names the size and SHA-256 of what arrived, so a client can check its upload end to end.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ReplyHandler } from './reply-handler.js';

export const echoReply: ReplyHandler = async ({ uploadPath, signal }) => {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    createReadStream(uploadPath),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        size += chunk.length;
        hash.update(chunk);
      }
      yield* [];
    },
    { signal },
  );
  return { reply: `received ${size} bytes sha256 ${hash.digest('hex')}` };
};
