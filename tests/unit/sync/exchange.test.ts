import { afterEach, describe, expect, it } from 'vitest';
import { settings } from '../../../src-main/core/db/schema';
import { directChannel, pullFrom, type SyncChannel } from '../../../src-main/core/sync/exchange';
import { getCursor } from '../../../src-main/core/sync/merge';
import { makeTestCore, setUpOffice, type TestCore } from '../../helpers/core';
import { canonicalDump, writeOn } from './helpers';

const cores: TestCore[] = [];
afterEach(() => {
  while (cores.length) cores.pop()!.dispose();
});

describe('incremental exchange', () => {
  it('resumes after a dropped connection from the last applied batch, sending only the rest', async () => {
    const a = makeTestCore();
    const b = makeTestCore();
    cores.push(a, b);
    await setUpOffice(a);
    writeOn(a, (w) => {
      for (let i = 0; i < 95; i++) w.insertRaw(settings, { id: `k${i}`, value: String(i) });
    });
    const direct = directChannel(a.services, b.services);
    let pulls = 0;
    const pulled: number[] = [];
    const flaky: SyncChannel = {
      hello: () => direct.hello(),
      async pull(after, limit) {
        if (++pulls === 4) throw new Error('connection reset');
        pulled.push(after);
        return direct.pull(after, limit);
      },
    };
    await expect(pullFrom(b.services, flaky, { batchSize: 10 })).rejects.toThrow('connection reset');
    const source = `peer:${a.services.deviceId}`;
    const resumeAt = getCursor(b.services.db, source);
    const thirtieth = a.services.db.prepare('SELECT seq FROM change_log ORDER BY seq LIMIT 1 OFFSET 29').get() as { seq: number };
    expect(resumeAt).toBe(thirtieth.seq);
    expect(b.services.db.prepare('SELECT count(*) AS n FROM change_log').get()).toEqual({ n: 30 });
    const again = await pullFrom(b.services, flaky, { batchSize: 10 });
    expect(pulled[3]).toBe(resumeAt);
    // 99 entries in all (4 from setup, 95 here): 30 before the drop, 69 after it, none twice.
    expect(again.applied).toBe(69);
    expect(again.duplicates).toBe(0);
    expect(canonicalDump(b)).toEqual(canonicalDump(a));
    // Nothing new: one empty round trip.
    const idle = await pullFrom(b.services, direct);
    expect(idle).toMatchObject({ batches: 1, applied: 0 });
  });

  it('does not send a device its own entries back', async () => {
    const a = makeTestCore();
    const b = makeTestCore();
    cores.push(a, b);
    await setUpOffice(a);
    await pullFrom(b.services, directChannel(a.services, b.services));
    const back = await pullFrom(a.services, directChannel(b.services, a.services));
    expect(back.applied + back.duplicates).toBe(0);
  });
});
