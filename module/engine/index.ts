// `bits-job2/engine`: the portable engine for embedding in a process of your own (no service).
export { PortableEngine, type EngineOptions, type EngineTransferOptions } from './engine.js';
export { ManualClock, realClock, type Clock, type TimerHandle } from './clock.js';
export { defaultStateDir } from '../common/paths.js';
