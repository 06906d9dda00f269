import { ProcessManager } from '../src/index.js';
const pm = new ProcessManager({ retainExited: 5 });
const mu = () => Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, +(v / 1048576).toFixed(1)]));
console.log('before', mu());
for (const pty of [true, false]) {
  const p = pm.spawn({ command: 'head', args: ['-c', String(64 * 1048576), '/dev/zero'], pty });
  const sizes = new Map<number, number>();
  let chunks = 0;
  p.on('output', (c) => { chunks++; const b = c.data.buffer.byteLength; sizes.set(b, (sizes.get(b) ?? 0) + 1); });
  await p.exited;
  console.log(pty ? 'pty' : 'pipe', chunks, [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 5), 'held', p.output.size, p.output.chunks().length, mu());
}
await pm.shutdown();
