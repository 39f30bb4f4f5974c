import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openCore } from '../../src-main/core';
import { applyKey, openDatabase } from '../../src-main/core/db/connection';
import { FileKeyStore } from '../../src-main/core/db/keystore';
import { migrate, SCHEMA_VERSION, schemaVersionOf } from '../../src-main/core/db/migrate';
import { migrations } from '../../src-main/core/db/migrations';
import { HarborError } from '../../src-shared/errors';
import { makeTestCore, setUpOffice, tempDir, type TestCore } from '../helpers/core';

let core: TestCore | null = null;
afterEach(() => {
  core?.dispose();
  core = null;
});

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
const require = createRequire(import.meta.url);
type SqlcipherModule = { Database: new (file: string) => OfficialDb };
interface OfficialDb {
  exec(sql: string, cb: (err: Error | null) => void): void;
  get<T>(sql: string, cb: (err: Error | null, row: T) => void): void;
  close(cb: () => void): void;
}

describe('encrypted database', () => {
  it('is a SQLCipher 4 file: no plaintext header, and the official SQLCipher library opens it with the key', async () => {
    core = makeTestCore();
    await setUpOffice(core);
    core.close();
    const file = join(core.dir, 'harbor.db');
    const head = readFileSync(file).subarray(0, 16).toString('latin1');
    expect(head.startsWith('SQLite format 3')).toBe(false);
    expect(readFileSync(file).includes(Buffer.from('海港贸易'))).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(core.keyFile).mode & 0o777).toBe(0o600);

    const sqlcipher = require('@journeyapps/sqlcipher') as SqlcipherModule;
    const key = readFileSync(core.keyFile, 'utf8').trim();
    const official = new sqlcipher.Database(file);
    const query = <T>(sql: string) =>
      new Promise<T>((resolve, reject) => official.get(sql, (err: Error | null, row: T) => (err ? reject(err) : resolve(row))));
    await new Promise<void>((resolve, reject) => official.exec(`PRAGMA key = "x'${key}'"`, (err) => (err ? reject(err) : resolve())));
    const version = await query<{ cipher_version: string }>('PRAGMA cipher_version');
    expect(version.cipher_version).toMatch(/^4\./);
    const office = await query<{ value: string }>("SELECT value FROM settings WHERE id = 'officeName'");
    expect(JSON.parse(office.value)).toBe('海港贸易有限公司');
    await new Promise<void>((resolve) => official.close(() => resolve()));
  });

  it('refuses a wrong key with a clear error and leaves the file byte for byte unchanged', async () => {
    core = makeTestCore();
    await setUpOffice(core);
    core.close();
    const file = join(core.dir, 'harbor.db');
    const before = sha(file);
    const wrongKey = Buffer.alloc(32, 7);
    expect(() => openDatabase({ file, key: wrongKey })).toThrowError(HarborError);
    try {
      openDatabase({ file, key: wrongKey });
    } catch (error) {
      expect((error as HarborError).messageKey).toBe('errors.db_wrong_key');
    }
    expect(sha(file)).toBe(before);
    expect(existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0).toBe(0);
  });

  it('refuses to start when the key is missing but the database exists, without touching it', async () => {
    core = makeTestCore();
    await setUpOffice(core);
    core.close();
    const file = join(core.dir, 'harbor.db');
    const before = sha(file);
    const keyStore = new FileKeyStore(join(core.dir, 'missing.key'));
    expect(() => openCore({ dataDir: core!.dir, keyStore })).toThrowError(/db_key_missing/);
    expect(sha(file)).toBe(before);
    expect(existsSync(join(core.dir, 'missing.key'))).toBe(false);
  });

  it('uses WAL, foreign keys and in-memory temp storage', () => {
    core = makeTestCore();
    const db = core.services.db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('temp_store', { simple: true })).toBe(2);
    expect(db.pragma('cipher', { simple: true })).toBe('sqlcipher');
  });

  it('refuses a database from a newer app version before changing anything', async () => {
    core = makeTestCore();
    await setUpOffice(core);
    core.services.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    core.close();
    const file = join(core.dir, 'harbor.db');
    const before = sha(file);
    try {
      openCore({ dataDir: core.dir, keyStore: new FileKeyStore(core.keyFile) });
      expect.unreachable('a newer database must be refused');
    } catch (error) {
      expect((error as HarborError).messageKey).toBe('errors.db_too_new');
      expect((error as HarborError).params).toEqual({ found: SCHEMA_VERSION + 1, known: SCHEMA_VERSION });
    }
    expect(sha(file)).toBe(before);
  });
});

/** Inserts one row into every table, with values that fit each column's declared type. */
function fillEveryTable(db: Database.Database): Record<string, number> {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'")
    .all() as { name: string }[];
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    if (name.includes('_fts')) continue;
    const cols = db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string; type: string; pk: number }[];
    const values = cols.map((c) => {
      const type = c.type.toUpperCase();
      if (c.name === 'value' || c.name === 'data' || c.name.endsWith('_json') || c.name === 'custom') return '{}';
      if (type.includes('INT')) return c.pk ? null : 1;
      return c.pk ? `${name}-pk-${Math.random()}` : `${name}-${c.name}`;
    });
    db.prepare(`INSERT INTO "${name}" (${cols.map((c) => `"${c.name}"`).join(',')}) VALUES (${cols.map(() => '?').join(',')})`).run(
      ...values,
    );
    counts[name] = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
  }
  return counts;
}

/** Tables a migration removes on purpose (their data lives on elsewhere, as the migration's own test shows). */
const DROPPED: Record<number, string[]> = { 9: ['search_docs'] };

describe('migrations', () => {
  it('the embedded migrations match the drizzle-kit output', () => {
    expect(() => execFileSync('node', ['scripts/embed-migrations.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it.each(migrations.slice(1).map((m) => m.version))(
    'migrating to version %i keeps the data of the version before, and copies the file first',
    (version) => {
      const dir = tempDir();
      const file = join(dir, 'harbor.db');
      const key = Buffer.alloc(32, 3);
      const db = openDatabase({ file, key });
      migrate(db, file, migrations.slice(0, version - 1));
      expect(schemaVersionOf(db)).toBe(version - 1);
      const before = fillEveryTable(db);
      const result = migrate(db, file, migrations.slice(0, version));
      expect(result).toMatchObject({ from: version - 1, to: version });
      expect(result.backupFile && existsSync(result.backupFile)).toBeTruthy();
      for (const [table, count] of Object.entries(before)) {
        if (DROPPED[version]?.includes(table)) continue;
        expect((db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n, table).toBe(count);
      }
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
      // The copy is the old version, still encrypted with the same key.
      const copy = new Database(result.backupFile!, { readonly: true });
      applyKey(copy, key);
      expect(copy.pragma('user_version', { simple: true })).toBe(version - 1);
      copy.close();
    },
  );

  it('version 9 indexes the text of live companies and contacts by their rowids, as the version before had it', () => {
    const dir = tempDir();
    const file = join(dir, 'harbor.db');
    const db = openDatabase({ file, key: Buffer.alloc(32, 5) });
    migrate(db, file, migrations.slice(0, 8));
    const contact = db.prepare(
      `INSERT INTO contacts (id, created_at, updated_at, family_name, given_name, name_key, title, phones, emails, ims, deleted_at)
       VALUES (?, 1, 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const emails = (a: string) => JSON.stringify([{ label: '', address: a }]);
    contact.run('c1', '王', '建华', '王建华', '经理', JSON.stringify([{ label: '', number: '+8613800001111' }]), emails('wang@haigang.cn'), '[]', null);
    contact.run('c2', 'Smith', 'Olivia', 'smitholivia', null, '[]', emails('olivia@contoso.example'), JSON.stringify([{ handle: 'olivia_wx' }]), null);
    contact.run('c3', '李', '娜', '李娜', null, '[]', emails('lina@gone.example'), '[]', null);
    contact.run('c4', '赵', '磊', '赵磊', null, '[]', emails('zhao@recycle.example'), '[]', 5);
    db.prepare("UPDATE contacts SET emails = ? WHERE id = 'c1'").run(emails('jianhua@haigang.cn'));
    db.prepare("DELETE FROM contacts WHERE id = 'c3'").run();
    db.prepare("INSERT INTO companies (id, created_at, updated_at, name, name_key, city) VALUES ('co1', 1, 1, '海港贸易有限公司', '海港贸易有限公司', '深圳市')").run();
    db.prepare("INSERT INTO companies (id, created_at, updated_at, name, name_key, deleted_at) VALUES ('co2', 1, 1, '旧港贸易', '旧港贸易', 9)").run();
    migrate(db, file);
    const found = (kind: 'contacts' | 'companies', phrase: string) =>
      db.prepare(`SELECT r.id FROM ${kind} r WHERE r.rowid IN (SELECT rowid FROM ${kind}_fts WHERE ${kind}_fts MATCH ?) ORDER BY r.id`).pluck().all(`"${phrase}"`);
    expect(found('contacts', 'jianhua@')).toEqual(['c1']);
    expect(found('contacts', 'wang@')).toEqual([]);
    expect(found('contacts', '王建华')).toEqual(['c1']);
    expect(found('contacts', '00001111')).toEqual(['c1']);
    expect(found('contacts', 'olivia')).toEqual(['c2']);
    expect(found('contacts', 'olivia_wx')).toEqual(['c2']);
    expect(found('contacts', '.example')).toEqual(['c2']);
    expect(found('companies', '贸易')).toEqual([]);
    expect(found('companies', '港贸易')).toEqual(['co1']);
    expect(found('companies', '深圳市')).toEqual(['co1']);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('search_fts', 'search_docs')").all()).toEqual([]);
    // The new triggers keep it in step.
    db.prepare("UPDATE contacts SET deleted_at = 7 WHERE id = 'c2'").run();
    db.prepare("UPDATE contacts SET deleted_at = NULL WHERE id = 'c4'").run();
    expect(found('contacts', '.example')).toEqual(['c4']);
    db.close();
  });

  it('a failing migration rolls back and leaves the previous version intact', () => {
    const dir = tempDir();
    const file = join(dir, 'harbor.db');
    const db = openDatabase({ file, key: Buffer.alloc(32, 4) });
    migrate(db, file);
    const broken = [...migrations, { version: SCHEMA_VERSION + 1, tag: 'broken', statements: ['CREATE TABLE x (a)', 'SELECT * FROM missing_table'] }];
    expect(() => migrate(db, file, broken)).toThrow();
    expect(schemaVersionOf(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'x'").get()).toBeUndefined();
    db.close();
  });

  it('a database file copied before opening reopens with the same key', async () => {
    core = makeTestCore();
    await setUpOffice(core);
    core.close();
    const copyDir = tempDir();
    copyFileSync(join(core.dir, 'harbor.db'), join(copyDir, 'harbor.db'));
    writeFileSync(join(copyDir, 'harbor.key'), readFileSync(core.keyFile));
    const again = makeTestCore({ dir: copyDir });
    expect((await again.ok('system.status', {})).setUp).toBe(true);
    again.dispose();
  });
});
