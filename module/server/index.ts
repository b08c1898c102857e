// The BITS upload server: a node:http handler for the server side of the BITS Upload Protocol
// (upload and upload-reply, spec §7) and a standalone server around it (`bits-job2 serve`).
export { createBitsUploadHandler, type BitsUploadHandler } from './handler.js';
export { startBitsServer, type StartBitsServerOptions, type RunningBitsServer } from './serve.js';
export { acceptBitsPost, BITS_POST } from './bits-post-shim.js';
export { BitsAppError, type ReplyHandler, type ReplyContext, type ReplyResult } from './reply-handler.js';
export { echoReply } from './echo-reply.js';
export { BITS_PROTOCOL_GUID, type BitsUploadHandlerOptions, type NotificationOptions, type ServerLogEvent } from './options.js';
