import { describe, expect, it } from 'vitest';
import { RestartPolicy, type RestartSettings } from '../../src/restart/restart-policy.js';

// The policy takes the clock and the random source as arguments: these tests are its fake clock.
const settings = (over: Partial<RestartSettings> = {}): RestartSettings => ({
  mode: 'on-failure',
  maxRestarts: 5,
  windowMs: 60_000,
  minUptimeMs: 1000,
  backoff: { initialMs: 250, factor: 2, maxMs: 15_000, jitter: 0 },
  ...over,
});
const crash = { failed: true, uptimeMs: 10 };
const healthyCrash = { failed: true, uptimeMs: 5000 };

function delays(policy: RestartPolicy, outcomes: { failed: boolean; uptimeMs: number }[], step = 1000): (number | string)[] {
  let now = 0;
  return outcomes.map((o) => {
    const d = policy.decide(o, (now += step));
    return d.restart ? d.delayMs : d.crashLoop ? 'crash-loop' : 'end';
  });
}

describe('restart policy', () => {
  it('grows the delay by the factor for each failed start in a row, up to the cap', () => {
    const p = new RestartPolicy(settings({ maxRestarts: 100, backoff: { initialMs: 250, factor: 2, maxMs: 3000, jitter: 0 } }));
    expect(delays(p, Array(7).fill(crash), 60_000)).toEqual([250, 500, 1000, 2000, 3000, 3000, 3000]);
    expect(p.restarts).toBe(7);
    expect(p.failedStarts).toBe(7);
  });

  it('a healthy run (at least minUptimeMs) resets the backoff', () => {
    const p = new RestartPolicy(settings({ maxRestarts: 100 }));
    expect(delays(p, [crash, crash, crash, healthyCrash, crash, crash], 60_000)).toEqual([250, 500, 1000, 250, 250, 500]);
  });

  it('jitter spreads the delay either way by the fraction, and never past the cap', () => {
    const b = { initialMs: 1000, factor: 2, maxMs: 1500, jitter: 0.2 };
    expect(new RestartPolicy(settings({ backoff: b }), () => 0).delayFor(1)).toBe(800);
    expect(new RestartPolicy(settings({ backoff: b }), () => 0.5).delayFor(1)).toBe(1000);
    expect(new RestartPolicy(settings({ backoff: b }), () => 0.999999).delayFor(1)).toBe(1200);
    expect(new RestartPolicy(settings({ backoff: b }), () => 0.999999).delayFor(2)).toBe(1500); // 2000 capped
    expect(new RestartPolicy(settings({ backoff: b }), () => 0).delayFor(2)).toBe(1200); // 1500 − 20 %
  });

  it('gives up (crash loop) when maxRestarts restarts already happened within the window', () => {
    const p = new RestartPolicy(settings({ maxRestarts: 3, windowMs: 10_000 }));
    // Exits 1 s apart: the fourth exit finds three restarts in the last 10 s.
    expect(delays(p, [crash, crash, crash, crash])).toEqual([250, 500, 1000, 'crash-loop']);
  });

  it('forgets restarts older than the window, so a flaky but living service keeps being restarted', () => {
    const p = new RestartPolicy(settings({ maxRestarts: 3, windowMs: 10_000 }));
    // One exit every 4 s: never more than three restarts in any 10 s.
    expect(delays(p, Array(10).fill(healthyCrash), 4000)).toEqual(Array(10).fill(250));
  });

  it('on-failure does not restart a clean exit; always does; never never does', () => {
    const clean = { failed: false, uptimeMs: 5000 };
    expect(new RestartPolicy(settings()).decide(clean, 1)).toEqual({ restart: false, crashLoop: false });
    expect(new RestartPolicy(settings({ mode: 'always' })).decide(clean, 1)).toEqual({ restart: true, delayMs: 250, restarts: 1 });
    expect(new RestartPolicy(settings({ mode: 'never' })).decide(crash, 1)).toEqual({ restart: false, crashLoop: false });
  });

  it("'always' treats a quick clean exit as a failed start too", () => {
    const p = new RestartPolicy(settings({ mode: 'always', maxRestarts: 100 }));
    expect(delays(p, Array(3).fill({ failed: false, uptimeMs: 5 }), 60_000)).toEqual([250, 500, 1000]);
  });
});
