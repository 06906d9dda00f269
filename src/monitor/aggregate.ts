import type { ProcessMetrics } from './tree-metrics.js';

export interface MetricsTotals {
  /** Live processes counted (each with its whole tree). */
  processes: number;
  /** Sum over the trees, in % of one core; trees sampled only once count 0. */
  cpuPercent: number;
  memoryBytes: number;
  descendants: number;
}

export interface ManagerMetrics {
  at: number;
  total: MetricsTotals;
  /** By scope, keyed "kind:id"; processes without a scope are only in the total. */
  byScope: Record<string, MetricsTotals>;
}

const empty = (): MetricsTotals => ({ processes: 0, cpuPercent: 0, memoryBytes: 0, descendants: 0 });

function add(t: MetricsTotals, m: ProcessMetrics): void {
  t.processes++;
  t.cpuPercent = Math.round((t.cpuPercent + (m.cpuPercent ?? 0)) * 10) / 10;
  t.memoryBytes += m.memoryBytes;
  t.descendants += m.descendants;
}

/** Totals of the latest samples of the given processes (those that have one), overall and per scope. */
export function aggregateMetrics(processes: Iterable<{ scope: { kind: string; id: string } | undefined; metrics(): ProcessMetrics | undefined }>): ManagerMetrics {
  const total = empty();
  const byScope: Record<string, MetricsTotals> = {};
  for (const p of processes) {
    const metrics = p.metrics();
    if (!metrics) continue;
    const scope = p.scope;
    add(total, metrics);
    if (scope) add((byScope[`${scope.kind}:${scope.id}`] ??= empty()), metrics);
  }
  return { at: Date.now(), total, byScope };
}
