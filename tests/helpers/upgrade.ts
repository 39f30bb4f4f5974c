/** Offices as an older Harbor left them, for the upgrade tests. */
import { openDatabase, type SqliteDb } from '../../src-main/core/db/connection';
import { migrate } from '../../src-main/core/db/migrate';
import { migrations } from '../../src-main/core/db/migrations';

/** The schema before migration 0008 (the trigram refill by rowid). */
export const OLD_VERSION = 8;

const FAMILY = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超';

/**
 * Writes a checkpointed database at schema 8 to `file` under `key`, holding
 * `contacts` contacts (every 50th in the recycle bin) and `companies`
 * companies, inserted the way that version's tables and triggers take them.
 */
export function makeVersion8Database(file: string, key: Buffer, counts: { contacts?: number; companies?: number } = {}): void {
  const contacts = counts.contacts ?? 3_000;
  const companies = counts.companies ?? 1_000;
  const db = openDatabase({ file, key });
  migrate(db, file, migrations.slice(0, OLD_VERSION));
  db.transaction(() => {
    const company = db.prepare('INSERT INTO companies (id, created_at, updated_at, name, name_key, city, phone, website) VALUES (?, 1, 1, ?, ?, ?, ?, ?)');
    for (let i = 0; i < companies; i++) {
      const name = `海港${i}贸易有限公司`;
      company.run(`co${i}`, name, name, i % 2 ? '深圳市' : 'Seattle', `0755${String(i).padStart(8, '0')}`, `https://c${i}.example.com`);
    }
    const contact = db.prepare(
      `INSERT INTO contacts (id, created_at, updated_at, family_name, given_name, name_key, title, phones, emails, ims, company_id, deleted_at)
       VALUES (?, 1, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (let i = 0; i < contacts; i++) {
      const family = FAMILY[i % FAMILY.length]!;
      const given = GIVEN[(i * 7) % GIVEN.length]! + (i % 2 ? GIVEN[i % GIVEN.length]! : '');
      contact.run(
        `c${i}`,
        family,
        given,
        family + given,
        i % 3 ? '经理' : 'Manager',
        JSON.stringify([{ label: '', number: `+8613${String(i).padStart(9, '0')}` }]),
        JSON.stringify([{ label: '', address: `u${i}@mail${i % 97}.example.com` }]),
        i % 5 ? '[]' : JSON.stringify([{ kind: 'wechat', handle: `wx_${i}` }]),
        companies > 0 ? `co${i % companies}` : null,
        i % 50 === 0 ? 5 : null,
      );
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/**
 * Checks that both trigram indexes hold exactly the live rows of their text
 * views, and that phrases find what a scan of the view finds.
 */
export function searchMatchesViews(db: SqliteDb, phrases: string[]): { kind: string; phrase: string; index: number[]; view: number[] }[] {
  const out: { kind: string; phrase: string; index: number[]; view: number[] }[] = [];
  for (const kind of ['contacts', 'companies']) {
    out.push({
      kind,
      phrase: '*',
      index: db.prepare(`SELECT rowid FROM ${kind}_fts ORDER BY rowid`).pluck().all() as number[],
      view: db.prepare(`SELECT k FROM ${kind}_search_text ORDER BY k`).pluck().all() as number[],
    });
    for (const phrase of phrases) {
      out.push({
        kind,
        phrase,
        index: db.prepare(`SELECT rowid FROM ${kind}_fts WHERE ${kind}_fts MATCH ? ORDER BY rowid`).pluck().all(`"${phrase}"`) as number[],
        view: db.prepare(`SELECT k FROM ${kind}_search_text WHERE instr(lower(body), lower(?)) > 0 ORDER BY k`).pluck().all(phrase) as number[],
      });
    }
  }
  return out;
}
