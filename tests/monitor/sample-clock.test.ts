import { describe, expect, it } from 'vitest';
import { everyInterval } from '../../src/monitor/sample-clock.js';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* a sample that holds the loop */
  }
}

describe('the sample clock', () => {
  it('samples every monitor of an interval in one round, yielding to the event loop between slices', async () => {
    const rounds: number[][] = [];
    let round: number[] = [];
    let loopRanMidRound = false;
    const stops: (() => void)[] = [];
    const done = new Promise<void>((resolve) => {
      for (let i = 0; i < 10; i++) {
        stops.push(
          everyInterval(40, () => {
            if (i === 0) {
              if (round.length > 0) rounds.push(round);
              round = [];
              setImmediate(() => (loopRanMidRound ||= round.length > 0 && round.length < 10));
            }
            round.push(i);
            busy(1); // 10 samples of 1 ms: more than one slice
            if (rounds.length >= 2) resolve();
          }),
        );
      }
    });
    await done;
    for (const stop of stops) stop();
    for (const r of rounds) expect(r).toEqual([...Array(10).keys()]);
    expect(loopRanMidRound).toBe(true);
  });

  it('skips a monitor stopped during a round, and never samples it again', async () => {
    const seen: string[] = [];
    let stopB: () => void = () => {};
    let rounds = 0;
    const done = new Promise<void>((resolve) => {
      const stopA = everyInterval(30, () => {
        seen.push('a');
        stopB(); // before b's turn in this round
        if (++rounds === 3) {
          stopA();
          resolve();
        }
      });
      stopB = everyInterval(30, () => seen.push('b'));
    });
    await done;
    expect(seen).toEqual(['a', 'a', 'a']);
  });
});
