/**
 * Planner statistics refresh of 1,000,000 contacts (`--quick`: 200,000) in an
 * encrypted file: the main thread's slowest stall (event-loop delay) while a
 * refresh runs, the main thread's time spent in refresh steps, the slowest
 * call answered meanwhile, and the refresh's duration. Measured for the
 * refresh as the app runs it (a worker thread computes, the main thread writes
 * the rows) against the earlier design measured in the same run as the
 * baseline: PRAGMA optimize, then `ANALYZE "main"."<index>"` with
 * analysis_limit 1000 on the main connection, one index per step between calls.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openCore, type Core } from '../../src-main/core';
import type { SqliteDb } from '../../src-main/core/db/connection';
import { FileKeyStore } from '../../src-main/core/db/keystore';
import { PlannerStatistics } from '../../src-main/core/db/statistics';
import { tempDir } from '../../tests/helpers/core';
import { seedContacts } from '../../tests/helpers/seed-contacts';
import { bundleWorkers, percentile, round2, type Suite } from '../lib';

/** The refresh before the worker thread: every index of each stale table analysed on this connection, one step each. */
async function inThreadRefresh(db: SqliteDb, exclusive: <T>(fn: () => T) => Promise<T>): Promise<void> {
  const report = await exclusive(() => db.pragma('optimize = 0x10003') as { optimize: string }[]);
  const tables = report.map((r) => /^ANALYZE "main"\."(.+)"$/.exec(r.optimize)![1]!).filter((t) => !/_fts_/.test(t));
  for (const table of tables) {
    const indexes = db.prepare('SELECT name FROM pragma_index_list(?)').pluck().all(table) as string[];
    for (const target of indexes.length > 0 ? indexes.sort() : [table]) {
      await exclusive(() => {
        db.pragma('analysis_limit = 1000');
        db.exec(`ANALYZE "main"."${target}"`);
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Back to no statistics at all, as after an import into a database never analysed. */
function forget(db: SqliteDb): void {
  for (const t of ['sqlite_stat1', 'sqlite_stat4']) {
    if (db.prepare('SELECT 1 FROM sqlite_schema WHERE name = ?').get(t)) db.exec(`DELETE FROM ${t}`);
  }
  db.exec('ANALYZE sqlite_schema');
  db.pragma('wal_checkpoint(TRUNCATE)');
  // An hour into a session the page cache holds what the screens read, not every index: each page read is decrypted again.
  db.pragma('shrink_memory');
}

interface Run {
  ms: number;
  maxStallMs: number;
  mainMs: number;
  slowestCallMs: number;
  calls: number;
}

/** Runs a refresh while calls keep arriving, as from the window; times the main thread meanwhile (from cold: see `forget`). */
async function measure(core: Core, refresh: (exclusive: <T>(fn: () => T) => Promise<T>) => Promise<unknown>): Promise<Run> {
  forget(core.services.db);
  let mainMs = 0;
  const exclusive = <T>(fn: () => T) =>
    core.dispatcher.exclusive(() => {
      const t0 = performance.now();
      try {
        return fn();
      } finally {
        mainMs += performance.now() - t0;
      }
    });
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  let done = false;
  const latencies: number[] = [];
  // A call every 5 ms; its time counts from when it was due, so a call held up by a blocked loop shows it.
  const caller = (async () => {
    while (!done) {
      const due = performance.now() + 5;
      await new Promise((resolve) => setTimeout(resolve, 5));
      const r = await core.dispatcher.call('system.status', {}, { origin: 'internal' });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      latencies.push(performance.now() - due);
    }
  })();
  stalls.enable();
  const t0 = performance.now();
  await refresh(exclusive);
  const ms = performance.now() - t0;
  stalls.disable();
  done = true;
  await caller;
  latencies.sort((a, b) => a - b);
  return { ms, maxStallMs: stalls.max / 1e6, mainMs, slowestCallMs: percentile(latencies, 100), calls: latencies.length };
}

export const statisticsSuite: Suite = {
  name: 'statistics',
  async run({ quick, report }) {
    const CONTACTS = quick ? 200_000 : 1_000_000;
    const rounds = quick ? 2 : 3;
    const dir = tempDir('harbor-bench-stats-');
    const keyStore = new FileKeyStore(join(dir, 'harbor.key'));
    const core = openCore({ dataDir: dir, keyStore, appVersion: 'bench' });
    // The core's own refresh stays off: the measures below run theirs.
    core.statistics.stop();
    const db = core.services.db;
    const seedT0 = performance.now();
    seedContacts(db, CONTACTS);
    db.pragma('wal_checkpoint(TRUNCATE)');
    report({ name: 'statistics.seed', unit: 's', value: round2((performance.now() - seedT0) / 1000), n: CONTACTS });
    process.env.HARBOR_WORKER_DIR = await bundleWorkers({ 'statistics-worker': 'src-main/core/db/statistics-worker.ts' });
    try {
      const location = { file: core.dbFile, key: keyStore.loadAll()[0]! };
      const old: Run[] = [];
      const now: Run[] = [];
      let written = 0;
      for (let round = 0; round < rounds; round++) {
        const baseline = async () => old.push(await measure(core, (exclusive) => inThreadRefresh(db, exclusive)));
        const worker = async () =>
          now.push(
            await measure(core, async (exclusive) => {
              const statistics = new PlannerStatistics({ db: () => core.services.db, exclusive, location: () => location });
              written = (await statistics.refresh()).written.length;
            }),
          );
        // Taking turns at going first, so neither always meets a warmer cache.
        for (const step of round % 2 === 0 ? [baseline, worker] : [worker, baseline]) await step();
      }
      const best = (runs: Run[], key: keyof Run) => Math.min(...runs.map((r) => r[key]));
      const line = (name: string, key: keyof Run, target?: string) => {
        const value = best(now, key);
        const baseline = best(old, key);
        report({ name, unit: 'ms', value: round2(value), baseline: round2(baseline), ratio: round2(value / baseline), ...(target ? { target } : {}), n: rounds, contacts: CONTACTS });
      };
      line('statistics.refresh.mainThreadMaxStall', 'maxStallMs', '<= 0.25x in-thread ANALYZE');
      line('statistics.refresh.mainThreadBusy', 'mainMs');
      line('statistics.refresh.slowestCall', 'slowestCallMs');
      line('statistics.refresh.duration', 'ms');
      report({ name: 'statistics.refresh.tablesWritten', unit: 'tables', value: written });
    } finally {
      delete process.env.HARBOR_WORKER_DIR;
      core.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
