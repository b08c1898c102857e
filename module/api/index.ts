export * from './enums.js';
export * from './hresult.js';
export * from './bits-error.js';
export * from './types.js';
export * from './limits.js';
export * from './operations.js';
export { HRESULT_TABLE } from './hresult-table.js';
export { WAIT_RULE, waitVerdict, type WaitVerdict } from './wait-rule.js';
