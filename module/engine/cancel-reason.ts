// The abort reason the engine gives a worker it stops for Cancel (an upload worker then hands over
// its connection for the Cancel-Session). Its own file so that Cancel (ops/transition-ops.ts) does
// not load the upload stack into a service that only downloads (upload-worker.ts is loaded lazily).
export const CANCEL_REASON = 'bits-job2:cancel';
