import { describe, expect, it } from 'vitest';
import { HostLoadSampler, osHostLoadSource, parseCpuLine, parseMemoryPercent, type CpuTimes, type HostLoadSource } from '../../src/admission/host-load.js';

/** A source that replays the readings it is given, one per call. */
function scripted(cpu: CpuTimes[], memory: number[]): HostLoadSource {
  return {
    readCpuTimes: () => cpu.shift() ?? { busy: 0, total: 0 },
    readMemoryPercent: () => memory.shift() ?? 0,
  };
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** Samples, with some work in between, until a CPU figure comes (the kernel counts in 10 ms ticks). */
function sampleUntilCpu(sampler: HostLoadSampler, timeoutMs = 5_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    busyWait(5);
    const load = sampler.sample();
    if (load.cpuPercent !== null) return load;
    if (performance.now() > deadline) throw new Error(`no CPU figure after ${timeoutMs} ms of sampling`);
  }
}

describe('parsing /proc', () => {
  it('reads the aggregate cpu line: busy is the total less idle and iowait, guest is not added again', () => {
    const stat = ['cpu  100 5 50 800 20 3 2 1 40 0', 'cpu0 50 2 25 400 10 1 1 0 20 0', 'intr 1 2 3'].join('\n');
    // total = 100+5+50+800+20+3+2+1 = 981; busy = 981 - 800 - 20 = 161
    expect(parseCpuLine(stat)).toEqual({ busy: 161, total: 981 });
  });

  it('rejects text without a cpu line', () => {
    expect(parseCpuLine('cpu0 1 2 3 4 5 6 7 8\n')).toBeUndefined();
    expect(parseCpuLine('')).toBeUndefined();
  });

  it('computes memory in use from MemTotal and MemAvailable', () => {
    const meminfo = 'MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    250 kB\n';
    expect(parseMemoryPercent(meminfo)).toBe(75);
    expect(parseMemoryPercent('MemTotal: 1000 kB\nMemFree: 100 kB\n')).toBeUndefined();
  });
});

describe('HostLoadSampler', () => {
  it('with the real host: memory in (0, 100], CPU null at first and a share once two readings exist', () => {
    const sampler = new HostLoadSampler();
    const first = sampler.sample();
    expect(first.cpuPercent).toBeNull();
    expect(first.memoryPercent).toBeGreaterThan(0);
    expect(first.memoryPercent).toBeLessThanOrEqual(100);
    const second = sampleUntilCpu(sampler);
    expect(second.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(second.cpuPercent).toBeLessThanOrEqual(100);
    expect(second.at).toBeGreaterThan(first.at);
  });

  it('with the os module (the source used where there is no /proc): the same ranges', () => {
    const sampler = new HostLoadSampler(osHostLoadSource);
    const first = sampler.sample();
    expect(first.memoryPercent).toBeGreaterThan(0);
    expect(first.memoryPercent).toBeLessThanOrEqual(100);
    const second = sampleUntilCpu(sampler);
    expect(second.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(second.cpuPercent).toBeLessThanOrEqual(100);
  });

  it('divides the busy delta by the total delta since the previous reading', () => {
    const sampler = new HostLoadSampler(
      scripted(
        [
          { busy: 100, total: 1000 },
          { busy: 150, total: 1200 }, // 50 / 200
          { busy: 150, total: 1200 }, // nothing counted
          { busy: 450, total: 1600 }, // 300 / 400
        ],
        [10, 20.04, 30, 99.96],
      ),
    );
    expect(sampler.sample()).toMatchObject({ cpuPercent: null, memoryPercent: 10 });
    expect(sampler.sample()).toMatchObject({ cpuPercent: 25, memoryPercent: 20 });
    expect(sampler.sample()).toMatchObject({ cpuPercent: null, memoryPercent: 30 });
    expect(sampler.sample()).toMatchObject({ cpuPercent: 75, memoryPercent: 100 });
  });

  it('clamps a busy delta that runs ahead of the total (iowait going backwards) to 100', () => {
    const sampler = new HostLoadSampler(
      scripted(
        [
          { busy: 0, total: 100 },
          { busy: 150, total: 200 },
        ],
        [1, 1],
      ),
    );
    sampler.sample();
    expect(sampler.sample().cpuPercent).toBe(100);
  });

  it('reads memory alone without moving the CPU baseline', () => {
    const cpu = [
      { busy: 0, total: 0 },
      { busy: 40, total: 100 },
    ];
    const sampler = new HostLoadSampler(scripted(cpu, [5, 6, 7]));
    sampler.sample();
    expect(sampler.readMemoryPercent()).toBe(6);
    expect(sampler.sample()).toMatchObject({ cpuPercent: 40, memoryPercent: 7 });
  });
});
