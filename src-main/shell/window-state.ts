/**
 * Where the main window was and how big: kept on this device only
 * (`window-state.json` in the data folder), never synced.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/db/keystore';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** Absent: let the OS place the window. */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_STATE: WindowState = { width: 1280, height: 800, maximized: false };
/** Harbor's layout works from phone width up. */
export const MIN_WIDTH = 360;
export const MIN_HEIGHT = 480;
/** How much of the window must lie on a display for its saved position to be used. */
const VISIBLE_MARGIN = 64;

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/** Turns whatever the file holds into a usable state for the current displays. */
export function sanitizeState(raw: unknown, workAreas: Rect[]): WindowState {
  if (typeof raw !== 'object' || raw === null) return { ...DEFAULT_STATE };
  const r = raw as Record<string, unknown>;
  const largest = workAreas.reduce<Rect | null>((best, a) => (!best || a.width * a.height > best.width * best.height ? a : best), null);
  const clamp = (value: unknown, min: number, fallback: number, max: number | undefined) =>
    finite(value) ? Math.round(Math.min(Math.max(value, min), max ?? value)) : fallback;
  const state: WindowState = {
    width: clamp(r.width, MIN_WIDTH, DEFAULT_STATE.width, largest?.width),
    height: clamp(r.height, MIN_HEIGHT, DEFAULT_STATE.height, largest?.height),
    maximized: r.maximized === true,
  };
  if (finite(r.x) && finite(r.y)) {
    const rect = { x: Math.round(r.x), y: Math.round(r.y), width: state.width, height: state.height };
    const visible = workAreas.some((area) => {
      const o = overlap(rect, area);
      return o.width >= VISIBLE_MARGIN && o.height >= VISIBLE_MARGIN;
    });
    if (visible) {
      state.x = rect.x;
      state.y = rect.y;
    }
  }
  return state;
}

export class WindowStateStore {
  constructor(private readonly file: string) {}

  load(workAreas: Rect[]): WindowState {
    if (!existsSync(this.file)) return { ...DEFAULT_STATE };
    try {
      return sanitizeState(JSON.parse(readFileSync(this.file, 'utf8')), workAreas);
    } catch {
      return { ...DEFAULT_STATE };
    }
  }

  save(bounds: Rect, maximized: boolean): void {
    const state: WindowState = { ...bounds, maximized };
    try {
      writeFileAtomic(this.file, `${JSON.stringify(state)}\n`, 0o600);
    } catch (error) {
      // Losing the window position is not worth failing a quit over.
      console.warn('[harbor] could not save the window position:', error instanceof Error ? error.message : String(error));
    }
  }
}
