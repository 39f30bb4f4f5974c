/**
 * Hybrid logical clock (Kulkarni et al., 2014). A stamp is
 * `<physical ms, 15 digits>.<counter, 6 digits>.<device id>`, so comparing the
 * strings compares (time, counter, device): a total order that respects
 * causality and does not trust wall clocks alone.
 */
export interface HlcParts {
  ms: number;
  counter: number;
  deviceId: string;
}

/** A remote stamp further ahead of our wall clock than this is refused. */
export const MAX_DRIFT_MS = 24 * 60 * 60 * 1000;
const MAX_COUNTER = 999_999;

export function formatHlc({ ms, counter, deviceId }: HlcParts): string {
  return `${String(ms).padStart(15, '0')}.${String(counter).padStart(6, '0')}.${deviceId}`;
}

export function parseHlc(stamp: string): HlcParts {
  const match = /^(\d{15})\.(\d{6})\.(.+)$/.exec(stamp);
  if (!match) throw new Error(`invalid HLC stamp: ${stamp}`);
  return { ms: Number(match[1]), counter: Number(match[2]), deviceId: match[3]! };
}

export class ClockDriftError extends Error {
  constructor(readonly remoteMs: number, readonly localMs: number) {
    super(`remote clock is ${Math.round((remoteMs - localMs) / 1000)} s ahead`);
    this.name = 'ClockDriftError';
  }
}

export class Hlc {
  private ms: number;
  private counter: number;

  constructor(
    readonly deviceId: string,
    last: string | null = null,
    private readonly now: () => number = Date.now,
  ) {
    const parts = last ? parseHlc(last) : { ms: 0, counter: 0 };
    this.ms = parts.ms;
    this.counter = parts.counter;
  }

  /** A new stamp for a local event. */
  tick(): string {
    const wall = this.now();
    if (wall > this.ms) {
      this.ms = wall;
      this.counter = 0;
    } else {
      this.bump();
    }
    return this.current();
  }

  /** Merge a stamp received from another device; returns our next stamp. */
  receive(remote: string): string {
    const r = parseHlc(remote);
    const wall = this.now();
    if (r.ms - wall > MAX_DRIFT_MS) throw new ClockDriftError(r.ms, wall);
    const maxMs = Math.max(this.ms, r.ms, wall);
    if (maxMs === this.ms && maxMs === r.ms) this.counter = Math.max(this.counter, r.counter) + 1;
    else if (maxMs === this.ms) this.counter += 1;
    else if (maxMs === r.ms) this.counter = r.counter + 1;
    else this.counter = 0;
    this.ms = maxMs;
    if (this.counter > MAX_COUNTER) {
      this.ms += 1;
      this.counter = 0;
    }
    return this.current();
  }

  current(): string {
    return formatHlc({ ms: this.ms, counter: this.counter, deviceId: this.deviceId });
  }

  private bump(): void {
    this.counter += 1;
    if (this.counter > MAX_COUNTER) {
      this.ms += 1;
      this.counter = 0;
    }
  }
}
