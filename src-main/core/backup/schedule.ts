/**
 * When scheduled backups run, and when the last good one is too old.
 * Pure functions of local time (the office's clock), unit-tested.
 */
import type { BackupSchedule } from '../../../src-shared/contract/backup';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

function parseAt(at: string): [number, number] {
  const [h, m] = at.split(':').map(Number);
  return [h!, m!];
}

/** The first scheduled time strictly after `after` (epoch ms), or null when backups are off. */
export function nextSlot(schedule: BackupSchedule, after: number): number | null {
  const d = new Date(after);
  switch (schedule.kind) {
    case 'off':
      return null;
    case 'hourly': {
      const t = new Date(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), schedule.minute, 0, 0);
      while (t.getTime() <= after) t.setHours(t.getHours() + 1);
      return t.getTime();
    }
    case 'daily': {
      const [h, m] = parseAt(schedule.at);
      const t = new Date(d.getFullYear(), d.getMonth(), d.getDate(), h, m, 0, 0);
      while (t.getTime() <= after) t.setDate(t.getDate() + 1);
      return t.getTime();
    }
    case 'weekly': {
      const [h, m] = parseAt(schedule.at);
      const t = new Date(d.getFullYear(), d.getMonth(), d.getDate(), h, m, 0, 0);
      t.setDate(t.getDate() + ((schedule.day - t.getDay() + 7) % 7));
      while (t.getTime() <= after) t.setDate(t.getDate() + 7);
      return t.getTime();
    }
  }
}

/** How long after a missed slot a backup counts as overdue. */
export function graceMs(schedule: BackupSchedule): number {
  return schedule.kind === 'hourly' ? 15 * 60_000 : HOUR;
}

export interface ScheduleState {
  schedule: BackupSchedule;
  /** When the schedule was set; the first slot is counted from here. */
  configuredAt: number;
  lastSuccessAt: number | null;
  /** After a failure (target missing): try again at this time. */
  retryAt: number | null;
}

/**
 * When the next scheduled backup should start. A time in the past means
 * "due now" (the app was closed at the slot, or a retry is waiting).
 */
export function nextRunAt(state: ScheduleState): number | null {
  const base = Math.max(state.lastSuccessAt ?? 0, state.configuredAt);
  const slot = nextSlot(state.schedule, base);
  if (slot === null) return null;
  return state.retryAt !== null ? Math.max(slot, state.retryAt) : slot;
}

/** The last good backup is older than the schedule allows: a slot passed more than the grace period ago without one. */
export function isOverdue(state: ScheduleState, now: number): boolean {
  const base = Math.max(state.lastSuccessAt ?? 0, state.configuredAt);
  const slot = nextSlot(state.schedule, base);
  return slot !== null && now > slot + graceMs(state.schedule);
}

export const SCHEDULE_UNIT_MS = { hourly: HOUR, daily: DAY, weekly: 7 * DAY } as const;
