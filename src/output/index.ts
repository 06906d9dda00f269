export * from './output-buffer.js';
export { TailBuffer } from './tail-buffer.js';
