import type { OrphanPolicy, SignalName } from './schemas.js';

export const DEFAULTS = {
  outputMaxBytes: 8 * 1024 * 1024,
  retainExited: 20,
  stopSignal: 'SIGTERM' as SignalName,
  graceMs: 5000,
  orphans: 'kill' as OrphanPolicy,
  drainMs: 200,
  killTimeoutMs: 3000,
  stderrTailBytes: 4096,
} as const;
