/** CPU time of this (host) process over a stretch, as % of one core of its wall time. */
export function hostCpu(): () => { percent: number; wallMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const c = process.cpuUsage(c0);
    const wallMs = performance.now() - t0;
    return { percent: ((c.user + c.system) / 1000 / wallMs) * 100, wallMs };
  };
}
