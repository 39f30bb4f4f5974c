import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BackupSchedule } from '../../../src-shared/contract/backup';
import { isOverdue, nextRunAt, nextSlot } from '../../../src-main/core/backup/schedule';
import { selectRetained } from '../../../src-main/core/backup/retention';

/** Local time, so the tests hold in any time zone. */
const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s).getTime();

describe('next scheduled slot', () => {
  it('hourly at a minute', () => {
    const s: BackupSchedule = { kind: 'hourly', minute: 15 };
    expect(nextSlot(s, at(2026, 3, 1, 9, 0))).toBe(at(2026, 3, 1, 9, 15));
    expect(nextSlot(s, at(2026, 3, 1, 9, 15))).toBe(at(2026, 3, 1, 10, 15));
    expect(nextSlot(s, at(2026, 3, 1, 23, 30))).toBe(at(2026, 3, 2, 0, 15));
  });

  it('daily at a time, across month and year ends', () => {
    const s: BackupSchedule = { kind: 'daily', at: '18:30' };
    expect(nextSlot(s, at(2026, 3, 1, 9, 0))).toBe(at(2026, 3, 1, 18, 30));
    expect(nextSlot(s, at(2026, 3, 1, 18, 30))).toBe(at(2026, 3, 2, 18, 30));
    expect(nextSlot(s, at(2026, 12, 31, 19, 0))).toBe(at(2027, 1, 1, 18, 30));
  });

  it('weekly on a day at a time', () => {
    // 2026-03-04 is a Wednesday.
    const friday: BackupSchedule = { kind: 'weekly', day: 5, at: '17:00' };
    expect(nextSlot(friday, at(2026, 3, 4, 12, 0))).toBe(at(2026, 3, 6, 17, 0));
    expect(nextSlot(friday, at(2026, 3, 6, 17, 0))).toBe(at(2026, 3, 13, 17, 0));
    expect(nextSlot({ kind: 'weekly', day: 3, at: '08:00' }, at(2026, 3, 4, 7, 59))).toBe(at(2026, 3, 4, 8, 0));
    expect(nextSlot({ kind: 'off' }, at(2026, 3, 4))).toBeNull();
  });

  it('is always in the future, within one period, at the requested time', () => {
    const schedule = fc.oneof(
      fc.record({ kind: fc.constant('hourly' as const), minute: fc.integer({ min: 0, max: 59 }) }),
      fc.record({ kind: fc.constant('daily' as const), at: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`) }),
      fc.record({
        kind: fc.constant('weekly' as const),
        day: fc.integer({ min: 0, max: 6 }),
        at: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
      }),
    );
    fc.assert(
      fc.property(schedule, fc.integer({ min: at(2020, 1, 1), max: at(2035, 1, 1) }), (s, after) => {
        const next = nextSlot(s, after)!;
        const period = s.kind === 'hourly' ? 3600_000 : s.kind === 'daily' ? 86_400_000 : 7 * 86_400_000;
        expect(next).toBeGreaterThan(after);
        expect(next - after).toBeLessThanOrEqual(period + 3600_000); // one DST hour of slack
        const d = new Date(next);
        if (s.kind === 'hourly') expect(d.getMinutes()).toBe(s.minute);
        if (s.kind === 'weekly') expect(d.getDay()).toBe(s.day);
      }),
    );
  });
});

describe('next run and overdue', () => {
  const daily: BackupSchedule = { kind: 'daily', at: '18:00' };

  it('runs at the first slot after the last success; a missed slot is due at once', () => {
    const state = { schedule: daily, configuredAt: at(2026, 3, 1, 9), lastSuccessAt: at(2026, 3, 1, 18), retryAt: null };
    expect(nextRunAt(state)).toBe(at(2026, 3, 2, 18));
    // The app was closed for two days: the run is due (in the past), not skipped.
    expect(nextRunAt(state)).toBeLessThan(at(2026, 3, 4, 9));
    expect(nextRunAt({ ...state, lastSuccessAt: null })).toBe(at(2026, 3, 1, 18));
  });

  it('waits for the retry time after a failure', () => {
    const state = { schedule: daily, configuredAt: 0, lastSuccessAt: at(2026, 3, 1, 18), retryAt: at(2026, 3, 2, 18, 5) };
    expect(nextRunAt(state)).toBe(at(2026, 3, 2, 18, 5));
    expect(nextRunAt({ ...state, schedule: { kind: 'off' } })).toBeNull();
  });

  it('is overdue only when a slot passed more than the grace period ago without a good backup', () => {
    const state = { schedule: daily, configuredAt: at(2026, 3, 1, 9), lastSuccessAt: at(2026, 3, 1, 18), retryAt: null };
    expect(isOverdue(state, at(2026, 3, 2, 18, 30))).toBe(false);
    expect(isOverdue(state, at(2026, 3, 2, 19, 1))).toBe(true);
    expect(isOverdue({ ...state, schedule: { kind: 'hourly', minute: 0 }, lastSuccessAt: at(2026, 3, 2, 9) }, at(2026, 3, 2, 10, 10))).toBe(false);
    expect(isOverdue({ ...state, schedule: { kind: 'hourly', minute: 0 }, lastSuccessAt: at(2026, 3, 2, 9) }, at(2026, 3, 2, 10, 16))).toBe(true);
    expect(isOverdue({ ...state, schedule: { kind: 'off' } }, at(2027, 1, 1))).toBe(false);
  });
});

describe('retention thinning', () => {
  const backup = (t: number) => ({ name: `b-${t}`, createdAt: t });

  it('keeps the newest N, then the newest of each day, week and month', () => {
    // Hourly backups for 100 days (the last one on 2026-04-10 23:00).
    const all = Array.from({ length: 24 * 100 }, (_, i) => backup(at(2026, 1, 1) + i * 3600_000));
    const { keep, remove } = selectRetained(all, { keepLast: 3, daily: 7, weekly: 4, monthly: 12 });
    const kept = keep.map((b) => new Date(b.createdAt));
    expect(keep.length + remove.length).toBe(all.length);
    // The newest three.
    expect(keep.slice(0, 3).map((b) => b.createdAt)).toEqual(all.slice(-3).reverse().map((b) => b.createdAt));
    // One per day for the last 7 days: the last backup of each day (23:00).
    const dailyKept = kept.filter((d) => d.getHours() === 23 && d.getTime() >= at(2026, 4, 4));
    expect(dailyKept).toHaveLength(7);
    // Months January..April each keep their newest backup.
    for (const [m, lastDay] of [[1, 31], [2, 28], [3, 31]] as const) {
      expect(keep.some((b) => b.createdAt === at(2026, m, lastDay, 23))).toBe(true);
    }
    // Nothing else: 3 newest (same day) + 7 daily + up to 4 weekly + 4 monthly, overlapping.
    expect(keep.length).toBeLessThanOrEqual(3 + 7 + 4 + 4);
    expect(keep.length).toBeGreaterThanOrEqual(10);
  });

  it('always keeps the newest backup, never keeps more than the policy allows, and is idempotent', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: at(2024, 1, 1), max: at(2027, 1, 1) }), { minLength: 1, maxLength: 200 }),
        fc.record({
          keepLast: fc.integer({ min: 1, max: 10 }),
          daily: fc.integer({ min: 0, max: 10 }),
          weekly: fc.integer({ min: 0, max: 6 }),
          monthly: fc.integer({ min: 0, max: 12 }),
        }),
        (times, policy) => {
          const all = times.map(backup);
          const { keep } = selectRetained(all, policy);
          expect(keep[0]!.createdAt).toBe(Math.max(...times));
          expect(keep.length).toBeLessThanOrEqual(policy.keepLast + policy.daily + policy.weekly + policy.monthly);
          expect(selectRetained(keep, policy).keep).toEqual(keep);
        },
      ),
    );
  });
});
