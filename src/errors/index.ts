export { ErrorCode } from './codes.js';
export * from './procward-error.js';
