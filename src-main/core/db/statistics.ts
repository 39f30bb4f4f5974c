/**
 * Query planner statistics, kept fresh without stalling the app. SQLite's
 * `PRAGMA optimize` names the tables whose statistics are missing or stale
 * (one that grew tenfold, as after an import); each of their indexes is then
 * analysed in a step of its own, between calls. Analysing a table of a
 * million contacts in one go takes seconds (ANALYZE reads every entry of every
 * index, even with a row limit, and each page read is decrypted), which is why
 * opening the database does not do it.
 */
import type { SqliteDb } from './connection';

/** The first refresh waits this long after opening, so start-up work goes first. */
const FIRST_AFTER_MS = 30_000;
const EVERY_MS = 60 * 60_000;
/** Pause between two steps, so calls queued meanwhile go in between. */
const BETWEEN_STEPS_MS = 20;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** What ANALYZE should read, one index (or index-less table) per entry: the stale tables' indexes. */
export function staleStatistics(db: SqliteDb): string[] {
  const report = db.pragma('optimize = 0x10003') as { optimize: string }[];
  const tables = report.map((r) => /^ANALYZE "main"\."(.+)"$/.exec(r.optimize)?.[1]?.replace(/""/g, '"')).filter((t): t is string => Boolean(t));
  // The planner never reads the shadow tables of full-text indexes through SQL of ours; their rowid lookups need no statistics.
  const virtual = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'").pluck().all() as string[]).map(
    (v) => `${v}_`,
  );
  const targets: string[] = [];
  for (const table of tables) {
    if (virtual.some((prefix) => table.startsWith(prefix))) continue;
    const indexes = (db.prepare(`SELECT name FROM pragma_index_list(?)`).pluck().all(table) as string[]).sort();
    targets.push(...(indexes.length > 0 ? indexes : [table]));
  }
  return targets;
}

/** Analyses one index or table with a bounded sample of rows per index. */
export function analyze(db: SqliteDb, target: string): void {
  db.pragma('analysis_limit = 1000');
  db.exec(`ANALYZE "main".${quote(target)}`);
}

export interface StatisticsOptions {
  /** The connection now in use (a restore replaces it). */
  db: () => SqliteDb;
  /** Runs `fn` between calls (the dispatcher's `exclusive`). */
  exclusive: <T>(fn: () => T) => Promise<T>;
}

/** Refreshes stale statistics some time after opening, then hourly, one index per step. */
export class PlannerStatistics {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: StatisticsOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(FIRST_AFTER_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One full refresh, step by step; resolves when done or stopped. */
  async refresh(): Promise<void> {
    const { db, exclusive } = this.options;
    const targets = await exclusive(() => staleStatistics(db()));
    for (const target of targets) {
      if (this.stopped) return;
      await exclusive(() => {
        try {
          analyze(db(), target);
        } catch {
          // Busy (another connection writing) or dropped meanwhile: the next refresh tries again.
        }
      });
      await new Promise((resolve) => setTimeout(resolve, BETWEEN_STEPS_MS).unref());
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.refresh()
        .catch(() => undefined)
        .then(() => this.schedule(EVERY_MS));
    }, ms);
    this.timer.unref();
  }
}
