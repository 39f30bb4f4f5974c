/**
 * Contacts written straight into the table with one INSERT (no change log):
 * owners, cities, provinces and titles of uneven sizes, NULLs, 5% deleted, so
 * every kind of index of the table (partial, multi-column) has something to
 * count. For planner statistics tests and benchmarks.
 */
import type { SqliteDb } from '../../src-main/core/db/connection';

export function seedContacts(db: SqliteDb, n: number): void {
  db.prepare(
    `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?)
     INSERT INTO contacts (id, created_at, updated_at, created_by, updated_by, family_name, given_name, name_key, given_key, title,
                           phones, emails, ims, phone_key, email_key, city, province, owner_id, custom, deleted_at)
     SELECT printf('0190c0de-0000-7000-8000-%012d', i), 1700000000000 + i * 1000, 1700000000000 + ((i * 7919) % 100000) * 1000, 'u', 'u',
            substr('王李张刘陈杨黄赵吴周', 1 + i % 10, 1), 'g' || (i % 37), 'n' || (i % 5003), 'g' || (i % 37),
            CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN '经理' WHEN 2 THEN '总监' ELSE '助理' END,
            '[]', '[]', '[]', printf('86138%08d', i), 'u' || i || '@x' || (i % 97) || '.example',
            CASE WHEN i % 4 = 0 THEN '上海市' ELSE 'city' || (i % 9) END,
            CASE WHEN i % 7 = 0 THEN NULL ELSE 'P' || (i % 31) END,
            CASE WHEN i % 11 = 0 THEN NULL ELSE 'owner' || (i % 3) || (i % 2) END,
            '{}', CASE WHEN i % 20 = 0 THEN 1700000000000 END
     FROM s`,
  ).run(n);
}
