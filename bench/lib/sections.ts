/** The figures, by section name, in the order `npm run bench` runs them. */
import { benchEscalation } from '../escalation.js';
import { benchEventLoop } from '../event-loop.js';
import { benchJsonl } from '../jsonl.js';
import { benchMemory } from '../memory.js';
import { benchMetrics } from '../metrics.js';
import { benchPty } from '../pty.js';
import { benchRecover } from '../recover.js';
import { benchScale } from '../scale.js';
import { benchSpawnRate } from '../spawn-rate.js';
import { benchThroughput } from '../throughput.js';
import type { Row } from './report.js';

export const SECTIONS: Record<string, () => Promise<Row[]>> = {
  throughput: benchThroughput,
  'spawn-rate': benchSpawnRate,
  escalation: benchEscalation,
  memory: benchMemory,
  'event-loop': benchEventLoop,
  pty: benchPty,
  jsonl: benchJsonl,
  metrics: benchMetrics,
  recover: benchRecover,
  scale: benchScale,
};
