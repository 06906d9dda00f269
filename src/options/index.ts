export * from './schemas.js';
export { DEFAULTS } from './defaults.js';
