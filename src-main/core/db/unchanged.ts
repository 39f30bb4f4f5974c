/**
 * Values derived from the database, remembered per connection for as long as
 * the database is unchanged: no commit by another connection (`PRAGMA
 * data_version`, which also starts the read of the caller's transaction) and
 * no row changed by this one (`total_changes()`, which counts every change
 * of the connection, rolled back or not).
 */
import type { SqliteDb } from './connection';
import { cachedStatement } from './writer';

export class WhileUnchanged<V> {
  private readonly byDb = new WeakMap<SqliteDb, { version: string; values: Map<string, V> }>();

  /** Keeps the `size` most recently used values. */
  constructor(private readonly size: number) {}

  get(db: SqliteDb, key: string): V | undefined {
    const values = this.current(db);
    const value = values.get(key);
    if (value !== undefined) {
      values.delete(key);
      values.set(key, value);
    }
    return value;
  }

  set(db: SqliteDb, key: string, value: V): void {
    const values = this.current(db);
    values.delete(key);
    values.set(key, value);
    if (values.size > this.size) values.delete(values.keys().next().value!);
  }

  /** The remembered value, or `compute()`'s, then remembered. */
  remember(db: SqliteDb, key: string, compute: () => V): V {
    const known = this.get(db, key);
    if (known !== undefined) return known;
    const value = compute();
    this.set(db, key, value);
    return value;
  }

  private current(db: SqliteDb): Map<string, V> {
    const version = `${db.pragma('data_version', { simple: true }) as number}:${(cachedStatement(db, 'SELECT total_changes() AS n').get() as { n: number }).n}`;
    let memo = this.byDb.get(db);
    if (!memo || memo.version !== version) {
      memo = { version, values: new Map() };
      this.byDb.set(db, memo);
    }
    return memo.values;
  }
}
