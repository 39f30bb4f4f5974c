/**
 * Property: whatever the writes on 3-4 replicas, and whatever the delivery
 * (partitions, batch sizes, duplicated and reordered batches, relays), once
 * everyone has exchanged with everyone all replicas hold identical office
 * data, equal to the per-field last-writer-wins fold of every acknowledged
 * write (nothing lost except by a later write to the same field or a purge).
 * Compaction may run on any replica at any time and must not change that.
 * Real encrypted databases; the generator covers every table in SYNCED_TABLES.
 */
import fc from 'fast-check';
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig, type SQLiteColumn, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNCED_TABLES } from '../../../src-main/core/db/schema';
import { tableInfo, type Writer } from '../../../src-main/core/db/writer';
import { readBatch } from '../../../src-main/core/sync/exchange';
import { applyBatch } from '../../../src-main/core/sync/merge';
import { compactLog } from '../../../src-main/core/sync/compact';
import { BOOKKEEPING_COLUMNS } from '../../../src-main/core/sync/protocol';
import { makeTestCore, type TestCore } from '../../helpers/core';
import { canonicalDump, pull, writeOn } from './helpers';

const REPLICAS = 4;
/** Clock offsets: replicas disagree about the time by seconds, as real desktops do. */
const SKEW_MS = [0, -4_000, 2_500, 700];

interface ColumnSpec {
  key: string;
  name: string;
  kind: 'text' | 'int' | 'bool' | 'enum' | 'jsonArray' | 'jsonObject';
  enumValues?: string[];
  required: boolean;
  unique: boolean;
}
interface TableSpec {
  name: string;
  table: SQLiteTable;
  columns: ColumnSpec[];
}

function specOf(table: SQLiteTable): TableSpec {
  const config = getTableConfig(table);
  const uniqueCols = new Set(config.indexes.filter((i) => i.config.unique).flatMap((i) => i.config.columns.map((c) => (c as SQLiteColumn).name)));
  const columns: ColumnSpec[] = [];
  for (const [key, col] of Object.entries(getTableColumns(table)) as [string, SQLiteColumn][]) {
    if (col.name === 'id' || BOOKKEEPING_COLUMNS.has(col.name) || col.name === 'deleted_at') continue;
    const dflt = typeof col.default === 'string' ? col.default : col.default && typeof col.default === 'object' ? '{}' : undefined;
    let kind: ColumnSpec['kind'] = 'text';
    if (col.columnType === 'SQLiteBoolean') kind = 'bool';
    else if (col.columnType === 'SQLiteInteger' || col.columnType === 'SQLiteReal') kind = 'int';
    else if (col.enumValues && col.enumValues.length > 0) kind = 'enum';
    else if (dflt?.startsWith('[')) kind = 'jsonArray';
    else if (dflt?.startsWith('{')) kind = 'jsonObject';
    columns.push({ key, name: col.name, kind, enumValues: col.enumValues, required: col.notNull && !col.hasDefault, unique: uniqueCols.has(col.name) });
  }
  return { name: tableInfo(table).name, table, columns };
}

const SPECS = Object.values(SYNCED_TABLES).map((t) => specOf(t as SQLiteTable));

/**
 * Columns kept by database triggers from other data (never written by the app,
 * never logged): not generated; the dumps still compare them, so every
 * replica must derive the same values.
 */
function dropDerivedColumns(core: TestCore): void {
  const triggers = core.services.db.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger'").all() as { sql: string }[];
  const derived = new Set<string>();
  for (const { sql } of triggers) {
    for (const m of sql.matchAll(/UPDATE\s+[`"]?(\w+)[`"]?\s+SET\s+[`"]?(\w+)[`"]?\s*=/gi)) derived.add(`${m[1]}.${m[2]}`);
  }
  for (const spec of SPECS) spec.columns = spec.columns.filter((c) => !derived.has(`${spec.name}.${c.name}`));
}
const POOL = ['甲', 'alpha', 'β', '张三', 'Ω', ''];
let uniqueCounter = 0;

function valueFor(col: ColumnSpec, seed: number): unknown {
  const pick = POOL[seed % POOL.length]!;
  switch (col.kind) {
    case 'bool':
      return seed % 2 === 0;
    case 'int':
      return seed % 7;
    case 'enum':
      return col.enumValues![seed % col.enumValues!.length];
    case 'jsonArray':
      return JSON.stringify(seed % 3 === 0 ? [] : [{ number: `13${seed}`, address: `${pick}@x.cn`, handle: pick }]);
    case 'jsonObject':
      return JSON.stringify(seed % 3 === 0 ? {} : { k: pick });
    default:
      // Unique columns: usually fresh, sometimes a value another replica may also pick (same username offline).
      if (col.unique) return seed % 2 === 0 ? `${col.name}-shared-${seed % 3}` : `${col.name}-${++uniqueCounter}`;
      return `${pick}${seed % 5}`;
  }
}

type Write = { kind: 'write'; replica: number; table: number; op: 'insert' | 'update' | 'softDelete' | 'restore' | 'purge'; pick: number; seed: number; fields: number };
type PullCmd = { kind: 'pull'; to: number; from: number };
type Deliver = { kind: 'deliver'; to: number; from: number; start: number; chunk: number; order: number[]; duplicate: boolean };
type Compact = { kind: 'compact'; replica: number };
type Command = Write | PullCmd | Deliver | Compact;

const replica = fc.integer({ min: 0, max: REPLICAS - 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      replica,
      table: fc.integer({ min: 0, max: SPECS.length - 1 }),
      op: fc.constantFrom('insert', 'insert', 'update', 'update', 'update', 'softDelete', 'restore', 'purge') as fc.Arbitrary<Write['op']>,
      pick: fc.nat(),
      seed: fc.nat(),
      fields: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pull' as const), to: replica, from: replica }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), replica }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      to: replica,
      from: replica,
      start: fc.nat({ max: 100 }),
      chunk: fc.integer({ min: 1, max: 6 }),
      order: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
      duplicate: fc.boolean(),
    }),
  },
);

const USERS = SPECS.findIndex((s) => s.name === 'users');
/** One or two tables per run; users (a unique column) alone in a quarter of the runs. */
const tableSubset = fc.oneof(
  { weight: 1, arbitrary: fc.constant([USERS]) },
  { weight: 3, arbitrary: fc.shuffledSubarray(SPECS.map((_, i) => i), { minLength: 1, maxLength: 2 }) },
);

const SYNC_STATE_TABLES = ['change_log', 'sync_cursors', 'sync_entry_base', 'sync_pending', 'sync_conflicts', 'sync_compacted'];

let cores: TestCore[] = [];
/** Every acknowledged local write, as logged by its replica: the oracle's input. */
let acknowledged: { tbl: string; row: string; op: string; hlc: string; data: Record<string, unknown> }[] = [];

function reset(): void {
  acknowledged = [];
  for (const c of cores) {
    const db = c.services.db;
    for (const spec of SPECS) db.exec(`DELETE FROM "${spec.name}"`);
    for (const t of SYNC_STATE_TABLES) db.exec(`DELETE FROM ${t}`);
  }
}

function writeCommand(w: Writer, cmd: Write, spec: TableSpec, target: string | null): void {
    if (cmd.op === 'insert') {
      const values: Record<string, unknown> = {};
      spec.columns.forEach((col, i) => {
        if (col.required || (cmd.seed + i) % 3 === 0) values[col.key] = valueFor(col, cmd.seed + i);
      });
      w.insertRaw(spec.table, values);
      return;
    }
    if (!target) return;
    if (cmd.op === 'update') {
      const patch: Record<string, unknown> = {};
      for (let i = 0; i < cmd.fields; i++) {
        const col = spec.columns[(cmd.pick + i * 7) % spec.columns.length]!;
        patch[col.key] = valueFor(col, cmd.seed + i);
      }
      w.update(spec.table, target, patch);
    } else if (cmd.op === 'softDelete') w.softDelete(spec.table, target);
    else if (cmd.op === 'restore') w.restore(spec.table, target);
    else w.purge(spec.table, target);
}

function runWrite(cmd: Write): void {
  const core = cores[cmd.replica]!;
  const spec = SPECS[cmd.table]!;
  const db = core.services.db;
  const before = (db.prepare('SELECT coalesce(max(seq), 0) AS n FROM change_log').get() as { n: number }).n;
  const ids = db.prepare(`SELECT id FROM "${spec.name}" ORDER BY id`).all() as { id: string }[];
  const target = ids.length > 0 ? ids[cmd.pick % ids.length]!.id : null;
  try {
    writeOn(core, (w) => writeCommand(w, cmd, spec, target));
  } catch (error) {
    // A value taken on this desktop is refused here, as the app refuses it; nothing was written.
    if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
  }
  const logged = db.prepare('SELECT tbl, row_id AS row, op, hlc, data FROM change_log WHERE seq > ?').all(before) as {
    tbl: string;
    row: string;
    op: string;
    hlc: string;
    data: string;
  }[];
  for (const e of logged) acknowledged.push({ ...e, data: JSON.parse(e.data) as Record<string, unknown> });
}

function runDeliver(cmd: Deliver): void {
  if (cmd.to === cmd.from) return;
  const from = cores[cmd.from]!.services;
  const to = cores[cmd.to]!.services;
  const all = readBatch(from, cmd.start, 100_000);
  const chunks: (typeof all)[] = [];
  for (let i = 0; i < all.entries.length; i += cmd.chunk) chunks.push({ ...all, entries: all.entries.slice(i, i + cmd.chunk) });
  // A permutation from the generated numbers: reordered delivery.
  const order = chunks.map((_, i) => i).sort((a, b) => (cmd.order[a % cmd.order.length]! * 31 + a) % 17 - ((cmd.order[b % cmd.order.length]! * 31 + b) % 17));
  const delivered = cmd.duplicate ? [...order, ...order.slice(0, Math.ceil(order.length / 2))] : order;
  for (const i of delivered) applyBatch(to, chunks[i]!);
}

/** The expected office data: per row, drop everything older than the newest purge, then per field the greatest stamp wins. */
function oracle(): Record<string, Map<string, Record<string, unknown>>> {
  const byRow = new Map<string, typeof acknowledged>();
  for (const e of acknowledged) {
    const key = `${e.tbl}\u0000${e.row}`;
    byRow.set(key, [...(byRow.get(key) ?? []), e]);
  }
  const out: Record<string, Map<string, Record<string, unknown>>> = {};
  const created = new Map<string, string>();
  for (const spec of SPECS) out[spec.name] = new Map();
  for (const entries of byRow.values()) {
    const { tbl, row } = entries[0]!;
    const purge = entries.filter((e) => e.op === 'purge').reduce((m, e) => (e.hlc > m ? e.hlc : m), '');
    const live = entries.filter((e) => e.op !== 'purge' && e.hlc > purge);
    if (!live.some((e) => e.op === 'insert')) continue;
    const fields: Record<string, { hlc: string; value: unknown }> = {};
    for (const e of live) {
      for (const [col, value] of Object.entries(e.data)) if (!fields[col] || fields[col].hlc < e.hlc) fields[col] = { hlc: e.hlc, value };
    }
    out[tbl]!.set(row, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.value])));
    created.set(`${tbl}\u0000${row}`, live.filter((e) => e.op === 'insert').reduce((m, e) => (m === '' || e.hlc < m ? e.hlc : m), ''));
  }
  // Rows competing for one unique value: the one created first keeps it, the others are set aside.
  for (const spec of SPECS) {
    for (const col of spec.columns.filter((c) => c.unique)) {
      const byValue = new Map<unknown, string[]>();
      for (const [row, values] of out[spec.name]!) {
        if (values[col.name] == null) continue;
        byValue.set(values[col.name], [...(byValue.get(values[col.name]) ?? []), row]);
      }
      for (const rows of byValue.values()) {
        const stamp = (r: string) => created.get(`${spec.name}\u0000${r}`)!;
        const first = rows.reduce((m, r) => (stamp(r) < stamp(m) ? r : m));
        for (const r of rows) if (r !== first) out[spec.name]!.delete(r);
        if (process.env.SYNC_DEBUG && rows.length > 1) console.log('unique contest', rows.length);
      }
    }
  }
  return out;
}

async function exchangeAll(): Promise<void> {
  for (let round = 0; round < 2; round++) {
    for (let to = 0; to < REPLICAS; to++) for (let from = 0; from < REPLICAS; from++) if (to !== from) await pull(cores[to]!, cores[from]!);
  }
}

describe('sync convergence (property)', () => {
  beforeAll(() => {
    cores = SKEW_MS.slice(0, REPLICAS).map((skew) => makeTestCore({ now: () => Date.now() + skew }));
    dropDerivedColumns(cores[0]!);
  });
  afterAll(() => cores.forEach((c) => c.dispose()));

  it('converges to the last-writer-wins fold of every acknowledged write, whatever the delivery', async () => {
    await fc.assert(
      fc.asyncProperty(tableSubset, fc.array(command, { minLength: 30, maxLength: 120 }), async (tables, commands) => {
        reset();
        for (const cmd of commands) {
          // Writes concentrate on one or two tables per run, so edits meet each other.
          if (cmd.kind === 'write') runWrite({ ...cmd, table: tables[cmd.table % tables.length]! });
          else if (cmd.kind === 'deliver') runDeliver(cmd);
          // No paired desktops here: compaction may touch the whole log, its most aggressive setting.
          else if (cmd.kind === 'compact') compactLog(cores[cmd.replica]!.services, { settledMs: 0 });
          else if (cmd.to !== cmd.from) await pull(cores[cmd.to]!, cores[cmd.from]!);
        }
        await exchangeAll();
        const dumps = cores.map(canonicalDump);
        for (const d of dumps.slice(1)) expect(d).toEqual(dumps[0]);
        const expected = oracle();
        const actual = dumps[0]!;
        for (const spec of SPECS) {
          const rows = actual[spec.name] as Record<string, unknown>[];
          expect(rows.map((r) => r.id).sort()).toEqual([...expected[spec.name]!.keys()].sort());
          for (const r of rows) {
            for (const [col, value] of Object.entries(expected[spec.name]!.get(r.id as string)!)) {
              expect(r[col]).toEqual(value);
            }
          }
        }
        if (!commands.some((c) => c.kind === 'compact')) {
          const logs = cores.map((c) => c.services.db.prepare('SELECT hlc FROM change_log ORDER BY hlc').all());
          for (const l of logs.slice(1)) expect(l).toEqual(logs[0]);
        }
      }),
      { numRuns: 100, seed: Number(process.env.SYNC_PROPERTY_SEED ?? Date.now() % 2 ** 31), ...(process.env.SYNC_PROPERTY_PATH ? { path: process.env.SYNC_PROPERTY_PATH, endOnFailure: true } : {}) },
    );
  }, 120_000);

  it('applies the same entries in any order and any number of times to the same state (idempotent, commutative)', async () => {
    reset();
    for (let i = 0; i < 40; i++) runWrite({ kind: 'write', replica: i % 2, table: i % SPECS.length, op: (['insert', 'update', 'update', 'softDelete', 'purge'] as const)[i % 5]!, pick: i * 13, seed: i * 7, fields: 2 });
    const entries = [...readBatch(cores[0]!.services, 0, 100_000).entries, ...readBatch(cores[1]!.services, 0, 100_000).entries];
    const base = readBatch(cores[0]!.services, 0, 1);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(entries.map((_, i) => i), { minLength: entries.length, maxLength: entries.length }), fc.array(fc.nat({ max: entries.length - 1 }), { maxLength: 10 }), async (perm, dups) => {
        for (const target of [cores[2]!, cores[3]!]) {
          const db = target.services.db;
          for (const spec of SPECS) db.exec(`DELETE FROM "${spec.name}"`);
          for (const t of SYNC_STATE_TABLES) db.exec(`DELETE FROM ${t}`);
        }
        // Replica 2: everything in one batch in log order. Replica 3: one entry at a time, shuffled, some twice.
        applyBatch(cores[2]!.services, { ...base, entries });
        for (const i of [...perm, ...dups]) applyBatch(cores[3]!.services, { ...base, entries: [entries[i]!] });
        expect(canonicalDump(cores[3]!)).toEqual(canonicalDump(cores[2]!));
      }),
      { numRuns: 15 },
    );
  }, 60_000);
});
