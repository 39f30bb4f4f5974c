import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockDriftError, formatHlc, Hlc, MAX_DRIFT_MS, parseHlc } from '../../src-main/core/db/hlc';

describe('hybrid logical clock', () => {
  it('is strictly increasing even when the wall clock stands still or goes back', () => {
    let wall = 1_000;
    const clock = new Hlc('dev-a', null, () => wall);
    const stamps: string[] = [];
    for (const step of [0, 0, -500, 10, -10_000, 0, 1]) {
      wall += step;
      stamps.push(clock.tick());
    }
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(stamps.length);
  });

  it('after receiving a stamp, every local stamp is greater than it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2e12 }), fc.integer({ min: 0, max: 999_998 }), fc.integer({ min: 0, max: 2e12 }), (remoteMs, counter, wall) => {
        const clock = new Hlc('b', null, () => wall);
        const remote = formatHlc({ ms: remoteMs, counter, deviceId: 'a' });
        if (remoteMs - wall > MAX_DRIFT_MS) {
          expect(() => clock.receive(remote)).toThrow(ClockDriftError);
          return;
        }
        const merged = clock.receive(remote);
        expect(merged > remote).toBe(true);
        expect(clock.tick() > merged).toBe(true);
      }),
    );
  });

  it('resumes after the last stamp it wrote', () => {
    const clock = new Hlc('a', formatHlc({ ms: 5_000, counter: 7, deviceId: 'a' }), () => 10);
    expect(parseHlc(clock.tick())).toEqual({ ms: 5_000, counter: 8, deviceId: 'a' });
  });
});
