import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MethodInput } from '../../src-shared/contract';
import { makeTestCore, setUpOffice, snapshot, userWithRole, type TestCore } from '../helpers/core';
import { replayChangeLog, syncedDump } from '../helpers/replay';
import { openDatabase } from '../../src-main/core/db/connection';
import { FileKeyStore } from '../../src-main/core/db/keystore';
import { textPlan } from '../../src-main/core/customers/list';
import { searchWords, trigramPlan } from '../../src-main/core/customers/search';
import { checkText, ftsPhrase } from '../../src-main/core/customers/textcheck';

let core: TestCore;
let admin: string;
let clock = 1_800_000_000_000;
const DAY = 86_400_000;

beforeEach(async () => {
  clock = 1_800_000_000_000;
  core = makeTestCore({ now: () => clock });
  admin = await setUpOffice(core);
});

/** Moves the clock forward; sessions expire after hours, so sign in again. */
async function travel(ms: number) {
  clock += ms;
  admin = (await core.ok('auth.login', { username: 'admin', password: 'correct horse battery' })).token;
}
afterEach(() => core.dispose());

const TABLES = ['companies', 'contacts', 'record_tags', 'notes', 'change_log', 'contacts_fts_data', 'companies_fts_data'];

async function company(name: string, extra: Partial<MethodInput<'companies.create'>> = {}) {
  const r = await core.ok('companies.create', { name, force: true, ...extra }, admin);
  if (!r.saved) throw new Error('not saved');
  return r.record;
}
async function contact(input: MethodInput<'contacts.create'>, token = admin) {
  const r = await core.ok('contacts.create', { force: true, ...input }, token);
  if (!r.saved) throw new Error('not saved');
  return r.record;
}

describe('records and validation', () => {
  it('normalises input: trimmed names, E.164 phones, lowercased emails, owner = me, one compact change-log entry per insert', async () => {
    const me = await core.ok('auth.me', {}, admin);
    const co = await company('  海港贸易有限公司 ', { phone: '0755-8765 4321', website: 'haigang.example.cn' });
    expect(co.name).toBe('海港贸易有限公司');
    expect(co.phone).toBe('+8675587654321');
    expect(co.website).toBe('https://haigang.example.cn');
    const c = await contact({
      familyName: ' 张 ',
      givenName: '三',
      companyId: co.id,
      phones: [{ label: '手机', number: '138 1234 5678' }],
      emails: [{ label: '', address: ' Zhang.San@Example.COM ' }],
    });
    expect(c).toMatchObject({ familyName: '张', givenName: '三', companyName: '海港贸易有限公司', ownerId: me.user.id });
    expect(c.phones[0]!.number).toBe('+8613812345678');
    expect(c.emails[0]!.address).toBe('zhang.san@example.com');
    const log = core.services.db.prepare("SELECT op FROM change_log WHERE tbl = 'contacts' AND row_id = ?").all(c.id);
    expect(log).toEqual([{ op: 'insert' }]);
  });

  it('a bad phone, email or reference gets translated field errors and saves nothing', async () => {
    const before = snapshot(core, TABLES);
    const bad = await core.call(
      'contacts.create',
      { familyName: '李', phones: [{ label: '', number: '12' }], ownerId: '01900000-0000-7000-8000-00000000abcd' },
      admin,
    );
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    if (!bad.ok) {
      expect(bad.error.fields).toEqual(
        expect.arrayContaining([
          { path: 'phones.0.number', messageKey: 'validation.invalid_phone' },
          { path: 'ownerId', messageKey: 'validation.unknown_reference' },
        ]),
      );
    }
    const badEmail = await core.call('contacts.create', { familyName: '李', emails: [{ address: 'not-an-email' }] }, admin);
    expect(badEmail).toMatchObject({ ok: false, error: { fields: [{ path: 'emails.0.address', messageKey: 'validation.invalid_email' }] } });
    const noName = await core.call('contacts.create', { familyName: ' ', givenName: '' }, admin);
    expect(noName).toMatchObject({ ok: false, error: { fields: [{ path: 'familyName', messageKey: 'validation.name_required' }] } });
    expect(snapshot(core, TABLES)).toEqual(before);
  });
});

describe('bulk create', () => {
  it('creates thousands of contacts in order, several per statement, each with its own change-log entry, searchable, replayable', async () => {
    const tag = await core.ok('tags.save', { name: '导入', color: 'teal' }, admin);
    const co = await company('锦程物流');
    // A run longer than one statement takes, then rows setting more fields: statements of several shapes and sizes.
    const input = Array.from({ length: 4_000 }, (_, i) => ({
      familyName: i % 2 ? '钱' : 'Qian',
      givenName: `导${i}`,
      ...(i >= 2_500 ? { title: '采购', companyId: co.id } : {}),
      phones: [{ label: '', number: `+86139${String(i).padStart(8, '0')}` }],
      emails: [{ label: '', address: `bulk${i}@import.example` }],
      ...(i % 1000 === 999 ? { tagIds: [tag.id] } : {}),
    }));
    const { ids } = await core.ok('contacts.bulkCreate', { contacts: input }, admin);
    expect(ids).toHaveLength(4_000);
    expect(new Set(ids).size).toBe(4_000);
    const db = core.services.db;
    const stored = db.prepare('SELECT id, given_name, title, company_key FROM contacts WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as {
      id: string;
      given_name: string;
      title: string | null;
      company_key: string | null;
    }[];
    const byId = new Map(stored.map((r) => [r.id, r]));
    ids.forEach((id, i) => {
      expect(byId.get(id)).toMatchObject({ given_name: `导${i}`, title: input[i]!.title ?? null, company_key: input[i]!.companyId ? '锦程物流' : null });
    });
    const log = db.prepare("SELECT row_id, data FROM change_log WHERE tbl = 'contacts' AND op = 'insert' ORDER BY seq").all() as { row_id: string; data: string }[];
    expect(log.map((e) => e.row_id)).toEqual(ids);
    expect(Object.keys(JSON.parse(log[0]!.data) as object)).not.toContain('title');
    expect(JSON.parse(log[2_500]!.data)).toMatchObject({ title: '采购', company_id: co.id });
    expect((await core.ok('contacts.list', { filter: { tagIds: [tag.id] } }, admin)).total).toBe(4);
    for (const i of [0, 2_132, 2_133, 2_499, 2_500, 3_999]) {
      expect((await core.ok('customers.search', { q: `bulk${i}@` }, admin)).contacts.map((h) => h.id)).toEqual([ids[i]]);
    }
    const replica = replayChangeLog(db);
    expect(syncedDump(replica)).toEqual(syncedDump(db));
    const q = "SELECT count(*) AS n FROM contacts_fts WHERE contacts_fts MATCH '\"import.example\"'";
    expect(replica.prepare(q).get()).toEqual({ n: 4_000 });
    expect(db.prepare(q).get()).toEqual({ n: 4_000 });
  });

  it('a bad row fails the whole batch with field errors pointing at it, and saves nothing', async () => {
    const before = snapshot(core, TABLES);
    const rows = Array.from({ length: 3_000 }, (_, i) => ({ familyName: '孙', givenName: `${i}`, phones: [{ label: '', number: i === 2_500 ? '12' : '13900000000' }] }));
    const r = await core.call('contacts.bulkCreate', { contacts: rows }, admin);
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', fields: [{ path: 'contacts.2500.phones.0.number', messageKey: 'validation.invalid_phone' }] } });
    expect(snapshot(core, TABLES)).toEqual(before);
  });
});

describe('duplicates', () => {
  it('warns before saving a contact with the same email, the same phone, or a very similar name in the same company', async () => {
    const co = await company('华东精密机械厂');
    const first = await contact({ familyName: '王', givenName: '建华', companyId: co.id, emails: [{ address: 'wang@huadong.cn' }], phones: [{ number: '13900001111' }] });
    const byEmail = await core.ok('contacts.create', { familyName: '另', givenName: '人', emails: [{ address: 'WANG@huadong.cn' }] }, admin);
    expect(byEmail).toMatchObject({ saved: false, duplicates: [{ id: first.id, reason: 'email' }] });
    const byPhone = await core.ok('contacts.create', { familyName: '另', givenName: '人', phones: [{ number: '+86 139 0000 1111' }] }, admin);
    expect(byPhone).toMatchObject({ saved: false, duplicates: [{ id: first.id, reason: 'phone' }] });
    const byName = await core.ok('contacts.create', { familyName: '王', givenName: '建华', companyId: co.id }, admin);
    expect(byName).toMatchObject({ saved: false, duplicates: [{ id: first.id, reason: 'name' }] });
    const elsewhere = await core.ok('contacts.create', { familyName: '王', givenName: '建华' }, admin);
    expect(elsewhere.saved).toBe(true);
    const anyway = await core.ok('contacts.create', { familyName: '王', givenName: '建华', companyId: co.id, force: true }, admin);
    expect(anyway.saved).toBe(true);
    const similarCo = await core.ok('companies.create', { name: '华东精密机械厂有限公司' }, admin);
    expect(similarCo).toMatchObject({ saved: false, duplicates: [{ id: co.id, reason: 'name' }] });
  });
});

describe('lists', () => {
  beforeEach(async () => {
    const tag = await core.ok('tags.save', { name: 'VIP', color: 'red' }, admin);
    const a = await company('Alpha Trading', { city: '深圳市', industry: '批发零售' });
    const b = await company('北辰物流', { city: '北京市', industry: '物流运输' });
    await contact({ familyName: '张', givenName: '三', companyId: b.id, city: '北京市', tagIds: [tag.id], emails: [{ address: 'zhangsan@beichen.cn' }] });
    await contact({ familyName: 'Li', givenName: 'Wei', companyId: a.id, city: '深圳市', phones: [{ number: '13812345678' }] });
    await contact({ familyName: '张', givenName: '三丰', city: '武汉市', emails: [{ address: 'sanfeng@wudang.cn' }] });
    clock += 1000;
    await contact({ familyName: 'Smith', givenName: 'Olivia', companyId: a.id });
  });

  const names = (rows: { familyName: string; givenName: string }[]) => rows.map((r) => r.familyName + r.givenName);

  it('sorts by any column both ways and pages', async () => {
    const byName = await core.ok('contacts.list', { sort: 'name' }, admin);
    expect(byName.total).toBe(4);
    expect(names(byName.rows)).toEqual(['LiWei', 'SmithOlivia', '张三', '张三丰']);
    const byCompany = await core.ok('contacts.list', { sort: 'company', dir: 'desc', limit: 2 }, admin);
    expect(byCompany.rows.map((r) => r.companyName)).toEqual(['北辰物流', 'Alpha Trading']);
    const newest = await core.ok('contacts.list', { sort: 'createdAt', dir: 'desc', limit: 1, offset: 0 }, admin);
    expect(names(newest.rows)).toEqual(['SmithOlivia']);
    const page2 = await core.ok('contacts.list', { sort: 'name', limit: 2, offset: 2 }, admin);
    expect(names(page2.rows)).toEqual(['张三', '张三丰']);
  });

  it('counts every filter of either kind on an index that exists, the same with and without planner statistics', async () => {
    const tag = await core.ok('tags.save', { name: '重点客户', color: 'red' }, admin);
    const co = await company('锦程物流', { city: '深圳市', industry: '物流运输', tagIds: [tag.id] });
    await contact({ familyName: '李', givenName: '娜', companyId: co.id, city: '深圳市', tagIds: [tag.id] });
    const me = (await core.ok('auth.me', {}, admin)).user.id;
    const filters = [
      {},
      { ownerId: me },
      { ownerId: null },
      { city: '深圳市' },
      { province: '广东省' },
      { industry: '物流运输' },
      { companyId: co.id },
      { updatedFrom: 0 },
      { createdFrom: 0, createdTo: 2 ** 40 },
      { tagIds: [tag.id] },
      { tagIds: [tag.id], city: '深圳市' },
    ];
    const totals = async () => {
      const out: number[] = [];
      for (const filter of filters) out.push((await core.ok('contacts.list', { filter }, admin)).total, (await core.ok('companies.list', { filter }, admin)).total);
      return out;
    };
    const before = await totals();
    // The company and its contact are found by city, industry and company.
    expect(before.slice(6, 8).every((n) => n >= 1)).toBe(true);
    expect(before[12]).toBe(1);
    // Tagged: one contact and one company, alone and with a city.
    expect(before.slice(18)).toEqual([1, 1, 1, 1]);
    core.services.db.exec('ANALYZE');
    expect(await totals()).toEqual(before);
  });

  it('filters by text (2-character Chinese, partial phone, partial email), tag, city, company and industry', async () => {
    expect(names((await core.ok('contacts.list', { filter: { q: '张三' } }, admin)).rows)).toEqual(['张三', '张三丰']);
    expect(names((await core.ok('contacts.list', { filter: { q: '三丰' } }, admin)).rows)).toEqual(['张三丰']);
    expect(names((await core.ok('contacts.list', { filter: { q: '1234' } }, admin)).rows)).toEqual(['LiWei']);
    expect(names((await core.ok('contacts.list', { filter: { q: '138-1234' } }, admin)).rows)).toEqual(['LiWei']);
    expect(names((await core.ok('contacts.list', { filter: { q: 'beichen' } }, admin)).rows)).toEqual(['张三']);
    expect(names((await core.ok('contacts.list', { filter: { q: 'wei' } }, admin)).rows)).toEqual(['LiWei']);
    expect(names((await core.ok('contacts.list', { filter: { q: 'li' } }, admin)).rows)).toEqual(['LiWei']);
    const tag = (await core.ok('tags.list', {}, admin))[0]!;
    expect(tag.count).toBe(1);
    expect(names((await core.ok('contacts.list', { filter: { tagIds: [tag.id] } }, admin)).rows)).toEqual(['张三']);
    expect(names((await core.ok('contacts.list', { filter: { city: '深圳市' } }, admin)).rows)).toEqual(['LiWei']);
    expect(names((await core.ok('contacts.list', { filter: { industry: '批发零售' } }, admin)).rows)).toEqual(['LiWei', 'SmithOlivia']);
    const companies = await core.ok('companies.list', { filter: { q: 'alpha' } }, admin);
    expect(companies.rows.map((c) => [c.name, c.contactCount])).toEqual([['Alpha Trading', 2]]);
    expect((await core.ok('contacts.list', { filter: { createdFrom: clock } }, admin)).total).toBe(1);
  });

  it('sales reps see only their own and unowned records', async () => {
    const rep = await userWithRole(core, admin, 'sales_rep');
    await contact({ familyName: '自己', givenName: '的' }, rep);
    const theirs = await core.ok('contacts.list', {}, rep);
    expect(names(theirs.rows)).toEqual(['自己的']);
    const hidden = (await core.ok('contacts.list', {}, admin)).rows.find((r) => r.familyName === 'Li')!;
    expect(await core.call('contacts.get', { id: hidden.id }, rep)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await core.ok('customers.search', { q: 'Li' }, rep)).contacts).toEqual([]);
  });

  it('bulk tags, re-assigns and exports CSV', async () => {
    const vip = await core.ok('tags.save', { name: '重点', color: 'orange' }, admin);
    const rep = await core.ok('users.create', { username: 'rep1', displayName: 'Rep', password: 'password-1234', role: 'sales_rep' }, admin);
    const all = (await core.ok('contacts.list', {}, admin)).rows;
    const ids = all.map((r) => r.id);
    expect(await core.ok('customers.bulkUpdate', { kind: 'contact', ids, addTagIds: [vip.id], ownerId: rep.id }, admin)).toEqual({ count: 4 });
    const tagged = await core.ok('contacts.list', { filter: { tagIds: [vip.id], ownerId: rep.id } }, admin);
    expect(tagged.total).toBe(4);
    await core.ok('customers.bulkUpdate', { kind: 'contact', ids: ids.slice(0, 1), removeTagIds: [vip.id] }, admin);
    expect((await core.ok('contacts.list', { filter: { tagIds: [vip.id] } }, admin)).total).toBe(3);
    await core.ok('contacts.update', { id: ids[0]!, title: '=HYPERLINK("x")' }, admin);
    const csv = await core.ok('customers.exportCsv', { kind: 'contact' }, admin);
    expect(csv.csv.startsWith('\uFEFF姓名,姓,名,职务,公司')).toBe(true);
    expect(csv.rows).toBe(4);
    expect(csv.csv).toContain(`"'=HYPERLINK(""x"")"`);
    await core.ok('auth.setPreferences', { language: 'en' }, admin);
    expect((await core.ok('customers.exportCsv', { kind: 'company' }, admin)).csv.startsWith('\uFEFFName,Industry')).toBe(true);
  });
});

describe('text filters over many records', () => {
  const texts = new WeakMap<Record<string, unknown>, string>();
  /** What a list must return, computed from every row: live, visible, matching each word, filtered, sorted, paged, total capped. */
  function expected(rows: Record<string, unknown>[], o: { q: string; rep?: string; city?: string; ownerId?: string; sort: string; dir: 'asc' | 'desc'; offset: number }) {
    const words = o.q.toLowerCase().split(/\s+/).filter(Boolean);
    const text = (r: Record<string, unknown>) => {
      const list = (json: unknown, field: string) => (JSON.parse(json as string) as Record<string, string>[]).map((x) => x[field]).join(' ');
      return [`${r.family_name as string}${r.given_name as string}`, r.title ?? '', list(r.emails, 'address'), list(r.phones, 'number'), list(r.ims, 'handle')]
        .join(' ')
        .toLowerCase();
    };
    const keys = (r: Record<string, unknown>, word: string) =>
      (/[\u3400-\u9fff]/.test(word) ? ['name_key', 'given_key'] : ['name_key', 'given_key', 'email_key', 'phone_key']).map((k) => (r[k] as string | null) ?? '');
    const textOf = (r: Record<string, unknown>) => texts.get(r) ?? texts.set(r, text(r)).get(r)!;
    const matches = (r: Record<string, unknown>) =>
      words.every((w) => ([...w].length >= 3 ? textOf(r).includes(w) : keys(r, w).some((k) => k.startsWith(w))));
    // Contacts sort by name, then given name (one name key can split two ways: Lee Na and Leen A).
    const columns = { name: ['name_key', 'given_key'], city: ['city'], createdAt: ['created_at'], email: ['email_key'], company: ['company_key'] }[o.sort]!;
    const cmp = (a: unknown, b: unknown) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : (a as string | number) < (b as string | number) ? -1 : 1);
    const hits = rows
      .filter((r) => r.deleted_at === null && (!o.rep || r.owner_id === null || r.owner_id === o.rep) && matches(r))
      .filter((r) => (!o.city || r.city === o.city) && (!o.ownerId || r.owner_id === o.ownerId))
      .sort((a, b) => ([...columns, 'rowid'].map((c) => cmp(a[c], b[c])).find((d) => d !== 0) ?? 0) * (o.dir === 'desc' ? -1 : 1));
    return { ids: hits.slice(o.offset, o.offset + 50).map((r) => r.id), total: Math.min(hits.length, 10_001) };
  }

  it('the index-driven paths return the same page and capped total as checking every row, for admins and sales reps', async () => {
    const me = await core.ok('auth.me', {}, admin);
    const rep = await userWithRole(core, admin, 'sales_rep');
    const repId = (await core.ok('auth.me', {}, rep)).user.id;
    const co = await company('锦程物流');
    const families = ['Lee', 'Li', '王', 'Smith', '李', 'Allen'];
    const givens = ['Liam', '伟', 'Olivia', '娜', 'Ava', '建华', 'Lucas'];
    const cities = ['深圳市', '北京市', 'Seattle', null];
    const input = Array.from({ length: 10_600 }, (_, i) => ({
      familyName: families[i % 6],
      givenName: givens[(i * 7) % 11 % 7],
      title: i % 5 ? '经理' : null,
      city: cities[i % 4],
      companyId: i % 3 ? co.id : null,
      ownerId: [me.user.id, repId, null][i % 3],
      phones: [{ label: '', number: `+8613${i % 10}${String(i).padStart(8, '0')}` }],
      emails: [{ label: '', address: `p${i}@${i % 3 ? 'corp' : 'mail'}.example` }],
    }));
    const ids: string[] = [];
    for (let start = 0; start < input.length; start += 5_000) ids.push(...(await core.ok('contacts.bulkCreate', { contacts: input.slice(start, start + 5_000) }, admin)).ids);
    await core.ok('customers.delete', { kind: 'contact', ids: ids.filter((_, i) => i % 37 === 0) }, admin);
    for (const i of [1, 2, 4]) await core.ok('contacts.update', { id: ids[i]!, givenName: 'Lina', emails: [{ address: `renamed${i}@mail.example` }] }, admin);
    const cases = [
      { q: 'l', sort: 'name', dir: 'asc', offset: 0 },
      { q: 'li', sort: 'name', dir: 'desc', offset: 50 },
      { q: '王', sort: 'city', dir: 'asc', offset: 0 },
      { q: '王', sort: 'name', dir: 'asc', offset: 50 },
      { q: '李', sort: 'name', dir: 'desc', offset: 0 },
      { q: 'smith', sort: 'createdAt', dir: 'desc', offset: 520 },
      { q: 'smith', sort: 'name', dir: 'asc', offset: 50 },
      { q: '138', sort: 'email', dir: 'asc', offset: 0 },
      { q: 'corp.example', sort: 'name', dir: 'asc', offset: 0 },
      { q: 'mail', sort: 'company', dir: 'desc', offset: 0, city: '深圳市' },
      { q: 'mail', sort: 'name', dir: 'asc', offset: 50, ownerId: me.user.id },
      { q: 'p12', sort: 'name', dir: 'asc', offset: 0 },
      { q: 'lina', sort: 'name', dir: 'asc', offset: 0 },
      { q: 'smith 13', sort: 'name', dir: 'asc', offset: 0 },
      { q: 'l 李', sort: 'name', dir: 'asc', offset: 0 },
      { q: 'example li', sort: 'city', dir: 'desc', offset: 0, city: 'Seattle' },
      { q: 'example', sort: 'name', dir: 'desc', offset: 100 },
      { q: '.example', sort: 'createdAt', dir: 'asc', offset: 520 },
      { q: 'example', sort: 'city', dir: 'desc', offset: 0 },
      { q: 'nobody', sort: 'name', dir: 'asc', offset: 0 },
      { q: 'leena', sort: 'name', dir: 'asc', offset: 0 },
      { q: 'p12@corp.example', sort: 'name', dir: 'asc', offset: 0 },
      { q: '7@mail.example', sort: 'createdAt', dir: 'desc', offset: 50 },
      { q: 'example p99', sort: 'city', dir: 'asc', offset: 0 },
      { q: 'le', sort: 'name', dir: 'desc', offset: 0 },
      { q: 'smith', sort: 'name', dir: 'desc', offset: 0 },
    ] as const;
    const all = () => core.services.db.prepare('SELECT rowid, * FROM contacts').all() as Record<string, unknown>[];
    const wanted = new WeakMap<object, Map<string, ReturnType<typeof expected>>>();
    const compare = async (rows: Record<string, unknown>[]) => {
      const memo = wanted.get(rows) ?? wanted.set(rows, new Map()).get(rows)!;
      for (const c of cases) {
        for (const [token, repOf] of [
          [admin, undefined],
          [rep, repId],
        ] as const) {
          const filter = { q: c.q, ...('city' in c ? { city: c.city } : {}), ...('ownerId' in c ? { ownerId: c.ownerId } : {}) };
          // The first page, then the case's page: later pages may start where the first match was seen.
          for (const offset of [0, c.offset]) {
            const got = await core.ok('contacts.list', { filter, sort: c.sort, dir: c.dir, offset, limit: 50 }, token);
            const key = JSON.stringify([c, offset, repOf]);
            const want = memo.get(key) ?? memo.set(key, expected(rows, { ...c, offset, rep: repOf })).get(key)!;
            expect({ case: c, offset, rep: Boolean(repOf), ids: got.rows.map((r) => r.id), total: got.total }).toEqual({
              case: c,
              offset,
              rep: Boolean(repOf),
              ...want,
            });
          }
        }
      }
    };
    const before = all();
    await compare(before);
    // Again, now that recent text matches and first matches are remembered.
    await compare(before);
    // Each way of reading, forced: all candidates visited, none; few ranges listed; rows checked in sort order; prefixes tested on rows, as sets; name ranges split or not.
    const touch = () => core.services.db.prepare("UPDATE local_meta SET updated_at = updated_at WHERE key = 'device_id'").run();
    const plan = { ...textPlan };
    for (const forced of [
      { fewMatches: 1_000_000, countFromCandidates: 1_000_000 },
      { fewMatches: 0, countFromCandidates: 0 },
      { hugeRange: 500 },
      { rowCost: 0.001, setCost: 1_000 },
      { rowTestCost: 0 },
      { rangeSetCost: 0 },
      { prefixRest: 0 },
      { prefixRest: 1_000_000 },
    ]) {
      Object.assign(textPlan, plan, forced);
      touch();
      await compare(before);
    }
    Object.assign(textPlan, plan);
    // Trigram matches read by the phrase alone, or from the rare trigrams and checked in memory whenever there are some.
    const trigrams = { ...trigramPlan };
    for (const forced of [{ denseShare: 1 }, { denseShare: 0.2, checkCost: 0 }]) {
      Object.assign(trigramPlan, trigrams, forced);
      touch();
      await compare(before);
    }
    Object.assign(trigramPlan, trigrams);
    // With planner statistics (the background refresh writes them): the same answers; counts keep to their indexes.
    core.services.db.exec('ANALYZE');
    touch();
    await compare(before);
    touch();
    // A write through the API drops what was remembered: new matches that sort first, one deleted.
    const added = await core.ok(
      'contacts.bulkCreate',
      {
        contacts: [
          ...['Aaron', 'Abe'].map((givenName) => ({ familyName: 'Aasmith', givenName, ownerId: null, emails: [{ label: '', address: `${givenName}@mail.example` }] })),
          { familyName: 'Lee', givenName: 'Na', ownerId: null },
          { familyName: 'Leen', givenName: 'A', ownerId: null },
        ],
      },
      admin,
    );
    await core.ok('customers.delete', { kind: 'contact', ids: [ids[3]!] }, admin);
    await compare(all());
    // So does a commit by another connection to the same file (the sync worker has its own).
    const other = openDatabase({ file: core.dbFile, key: new FileKeyStore(core.keyFile).load()!, create: false });
    other
      .prepare(
        `INSERT INTO contacts (id, created_at, updated_at, family_name, given_name, name_key, given_key, phones, emails, ims, email_key)
         VALUES ('0aaa-other', 1, 1, 'Aalee', 'Liam', 'aaleeliam', 'liam', '[]', '[{"label":"","address":"liam@corp.example"}]', '[]', 'liam@corp.example')`,
      )
      .run();
    other.prepare('UPDATE contacts SET deleted_at = 5 WHERE id = ?').run(added.ids[0]);
    other.close();
    await compare(all());
    // The cap and the branches were really exercised.
    const rows = all();
    expect(expected(rows, { q: 'example', sort: 'name', dir: 'asc', offset: 0 }).total).toBe(10_001);
    expect(expected(rows, { q: 'p12', sort: 'name', dir: 'asc', offset: 0 }).total).toBeLessThan(1_000);
    expect(expected(rows, { q: '王', sort: 'name', dir: 'asc', offset: 0 }).total).toBeGreaterThan(1_000);
    expect(expected(rows, { q: 'mail', sort: 'name', dir: 'asc', offset: 0 }).total).toBeGreaterThan(1_000);
    expect(expected(rows, { q: 'smith', sort: 'name', dir: 'asc', offset: 0 }).ids[0]).toBe(added.ids[1]);
    const leena = expected(rows, { q: 'leena', sort: 'name', dir: 'asc', offset: 0 }).ids;
    expect(leena).toEqual([added.ids[3], added.ids[2]]);
  });
});

describe('search', () => {
  it('checks text in memory with the answer the trigram index gives, cased letters of any script included', async () => {
    const people: [string, string, string][] = [
      ['Durand', 'Élodie', 'elodie@example.com'],
      ['ΣΟΦΊΑ', 'Παπαδοπούλου', 'sofia@example.gr'],
      ['Çelİk', 'Ayşe', 'ayse@example.com.tr'],
      ['Straße', 'Jürgen', 'juergen@example.de'],
      ['ǅemal', 'Đorđe', 'djordje@example.rs'],
      ['王', '建华', 'wangjh@example.cn'],
      ['Smith', 'OLIVIA', 'olivia.smith@example.com'],
    ];
    for (const [familyName, givenName, address] of people) await contact({ familyName, givenName, emails: [{ address }] });
    const db = core.services.db;
    const rowids = db.prepare('SELECT rowid FROM contacts WHERE deleted_at IS NULL').pluck().all() as number[];
    for (const q of ['élo', 'ÉLOD', 'σοφ', 'ΣΟΦΊ', 'çeli', 'elİk', 'straße', 'STRASSE', 'ǆem', 'đorđ', '王建华', 'olivia', 'OLIVIA smith', 'example.com', 'nobody']) {
      const words = searchWords(q);
      const byIndex = db.prepare('SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ? ORDER BY rowid').pluck().all(words.map(ftsPhrase).join(' '));
      expect({ q, rowids: checkText(db, 'contact', rowids, words) }).toEqual({ q, rowids: byIndex });
    }
  });

  it('finds 2-character Chinese names, partial phones and emails, companies, a company’s contacts and tagged records, grouped', async () => {
    const co = await company('海港贸易有限公司', { city: '深圳市' });
    const tag = await core.ok('tags.save', { name: '展会线索', color: 'grape' }, admin);
    await contact({ familyName: '张', givenName: '三', companyId: co.id, phones: [{ number: '13812345678' }] });
    await contact({ familyName: 'Brown', givenName: 'Emma', emails: [{ address: 'emma.brown@fabrikam.example' }], tagIds: [tag.id] });
    const s = (q: string) => core.ok('customers.search', { q }, admin);
    expect((await s('张三')).contacts.map((h) => h.title)).toEqual(['张三']);
    expect((await s('张')).contacts.map((h) => h.title)).toEqual(['张三']);
    expect((await s('2345')).contacts[0]!.subtitle).toContain('海港贸易有限公司');
    expect((await s('fabrik')).contacts.map((h) => h.title)).toEqual(['Emma Brown']);
    expect((await s('emma')).contacts.map((h) => h.title)).toEqual(['Emma Brown']);
    const byCompany = await s('海港');
    expect(byCompany.companies.map((h) => h.title)).toEqual(['海港贸易有限公司']);
    expect(byCompany.contacts.map((h) => h.title)).toEqual(['张三']);
    expect((await s('贸易')).companies.map((h) => h.title)).toEqual(['海港贸易有限公司']);
    expect((await s('展会')).contacts.map((h) => h.title)).toEqual(['Emma Brown']);
    expect(await s('不存在的人')).toEqual({ companies: [], contacts: [] });
  });

  it('keeps the index in step with edits, deletes and restores', async () => {
    const c = await contact({ familyName: '赵', givenName: '磊' });
    await core.ok('contacts.update', { id: c.id, givenName: '雷' }, admin);
    const s = (q: string) => core.ok('customers.search', { q }, admin).then((r) => r.contacts.length);
    expect(await s('赵磊')).toBe(0);
    expect(await s('赵雷')).toBe(1);
    await core.ok('contacts.update', { id: c.id, emails: [{ address: 'zhaolei@example.com' }] }, admin);
    expect(await s('zhaolei@ex')).toBe(1);
    await core.ok('customers.delete', { kind: 'contact', ids: [c.id] }, admin);
    expect(await s('zhaolei')).toBe(0);
    await core.ok('customers.restore', { kind: 'contact', ids: [c.id] }, admin);
    expect(await s('zhaolei')).toBe(1);
  });
});

describe('timeline, notes, merge, recycle bin', () => {
  it('finds the records merged into one through their index, whatever the planner statistics of a big office say', async () => {
    const db = core.services.db;
    db.exec('ANALYZE');
    // The statistics the refresh computes for a million contacts, none merged: a plain index of merged_into says
    // every row has the same value, so "merged_into = ?" would be planned as a read of every record.
    const partial = /WHERE/i.test(db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'contacts_merged'").pluck().get() as string);
    db.prepare("DELETE FROM sqlite_stat1 WHERE tbl = 'contacts'").run();
    const stat = db.prepare("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('contacts', ?, ?)");
    stat.run('sqlite_autoindex_contacts_1', '1000000 1');
    stat.run('contacts_merged', partial ? '0 0' : '1000000 1000000');
    db.exec('ANALYZE sqlite_schema');
    const plan = (db.prepare('EXPLAIN QUERY PLAN SELECT * FROM contacts WHERE merged_into = ?').all('x') as { detail: string }[]).map((r) => r.detail).join(' ');
    expect(plan).toContain('USING INDEX contacts_merged');
  });

  it('shows creation, each field change with old and new value and who, and notes', async () => {
    const c = await contact({ familyName: '陈', givenName: '静', title: '经理' });
    clock += 60_000;
    await core.ok('contacts.update', { id: c.id, title: '总经理' }, admin);
    clock += 60_000;
    await core.ok('customers.addNote', { kind: 'contact', id: c.id, body: '电话沟通' }, admin);
    const events = await core.ok('customers.timeline', { kind: 'contact', id: c.id }, admin);
    expect(events.map((e) => e.kind)).toEqual(['note', 'changed', 'created']);
    expect(events[1]).toMatchObject({ field: 'title', from: '经理', to: '总经理', actor: { displayName: '陈静' } });
    expect(events[0]).toMatchObject({ text: '电话沟通' });
  });

  it('shows tags added and removed', async () => {
    const tag = await core.ok('tags.save', { name: 'VIP', color: 'red' }, admin);
    const c = await contact({ familyName: '吴', givenName: '涛' });
    clock += 60_000;
    await core.ok('contacts.update', { id: c.id, tagIds: [tag.id] }, admin);
    clock += 60_000;
    await core.ok('contacts.update', { id: c.id, tagIds: [] }, admin);
    const events = (await core.ok('customers.timeline', { kind: 'contact', id: c.id }, admin)).filter((e) => e.field === 'tags');
    expect(events.map((e) => [e.from, e.to])).toEqual([
      ['VIP', null],
      [null, 'VIP'],
    ]);
  });

  it('merges two contacts field by field, moves tags and notes, and keeps the history of both', async () => {
    const tag = await core.ok('tags.save', { name: 'VIP', color: 'red' }, admin);
    const keep = await contact({ familyName: '刘', givenName: '洋', title: '采购', emails: [{ address: 'liu@a.cn' }] });
    const other = await contact({ familyName: '刘', givenName: '洋洋', title: '采购经理', phones: [{ number: '13700001234' }], tagIds: [tag.id] });
    await core.ok('customers.addNote', { kind: 'contact', id: other.id, body: '旧记录的备注' }, admin);
    await core.ok('contacts.update', { id: other.id, city: '成都市' }, admin);
    await core.ok('customers.merge', { kind: 'contact', keepId: keep.id, mergeId: other.id, takeFromMerged: ['title', 'phones', 'city'] }, admin);
    const merged = await core.ok('contacts.get', { id: keep.id }, admin);
    expect(merged).toMatchObject({ givenName: '洋', title: '采购经理', city: '成都市', emails: [{ address: 'liu@a.cn' }] });
    expect(merged.phones[0]!.number).toBe('+8613700001234');
    expect(merged.tags.map((t) => t.name)).toEqual(['VIP']);
    expect(await core.call('contacts.get', { id: other.id }, admin)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const events = await core.ok('customers.timeline', { kind: 'contact', id: keep.id }, admin);
    expect(events.some((e) => e.kind === 'merged' && e.text === '刘洋洋')).toBe(true);
    expect(events.some((e) => e.kind === 'note' && e.text === '旧记录的备注')).toBe(true);
    expect(events.some((e) => e.kind === 'changed' && e.field === 'city' && e.text === '刘洋洋')).toBe(true);
    expect((await core.ok('customers.search', { q: '13700001234' }, admin)).contacts.map((h) => h.id)).toEqual([keep.id]);
    expect(await core.ok('customers.recycleBin', {}, admin)).toEqual([]);
  });

  it('merging companies moves their contacts', async () => {
    const a = await company('Northwind Traders');
    const b = await company('Northwind Trading Co');
    const c = await contact({ familyName: 'Davis', givenName: 'Lucas', companyId: b.id });
    await core.ok('customers.merge', { kind: 'company', keepId: a.id, mergeId: b.id }, admin);
    expect((await core.ok('contacts.get', { id: c.id }, admin)).companyId).toBe(a.id);
    expect((await core.ok('companies.get', { id: a.id }, admin)).contactCount).toBe(1);
  });

  it('soft-deletes into a 30-day recycle bin, restores, and purges only with the permission', async () => {
    const c = await contact({ familyName: '孙', givenName: '杰' });
    await core.ok('customers.delete', { kind: 'contact', ids: [c.id] }, admin);
    expect((await core.ok('contacts.list', {}, admin)).total).toBe(0);
    expect(await core.ok('customers.recycleBin', {}, admin)).toMatchObject([{ id: c.id, name: '孙杰', kind: 'contact' }]);
    await core.ok('customers.restore', { kind: 'contact', ids: [c.id] }, admin);
    expect((await core.ok('contacts.list', {}, admin)).total).toBe(1);
    await core.ok('customers.delete', { kind: 'contact', ids: [c.id] }, admin);
    await travel(31 * DAY);
    expect(await core.ok('customers.recycleBin', {}, admin)).toEqual([]);
    const manager = await userWithRole(core, admin, 'sales_manager');
    expect(await core.call('customers.purge', { kind: 'contact', ids: [c.id] }, manager)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await core.ok('customers.purge', { kind: 'contact', ids: [c.id] }, admin)).toEqual({ count: 1 });
    expect(core.services.db.prepare('SELECT count(*) AS n FROM contacts').get()).toEqual({ n: 0 });
    expect(core.services.db.prepare("SELECT op FROM change_log WHERE row_id = ? ORDER BY seq DESC LIMIT 1").get(c.id)).toEqual({ op: 'purge' });
    expect(await core.call('customers.purge', { kind: 'contact', ids: [c.id] }, admin)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('needs attention, views, tags', () => {
  it('lists my contacts untouched for the configured number of days', async () => {
    await core.ok('settings.update', { staleContactDays: 30 }, admin);
    const old = await contact({ familyName: '旧', givenName: '客户' });
    await travel(20 * DAY);
    const fresh = await contact({ familyName: '新', givenName: '客户' });
    await travel(15 * DAY);
    const list = await core.ok('customers.needsAttention', {}, admin);
    expect(list.days).toBe(30);
    expect(list.rows.map((r) => r.id)).toEqual([old.id]);
    await core.ok('customers.addNote', { kind: 'contact', id: old.id, body: '回访' }, admin);
    expect((await core.ok('customers.needsAttention', {}, admin)).rows).toEqual([]);
    expect((await core.ok('customers.needsAttention', { days: 10 }, admin)).rows.map((r) => r.id)).toEqual([fresh.id]);
  });

  it('saved views are private unless shared', async () => {
    const rep = await userWithRole(core, admin, 'sales_rep');
    await core.ok('views.save', { entity: 'contact', name: '北京客户', config: { filter: { city: '北京市' }, sort: { field: 'name', dir: 'asc' } } }, admin);
    const shared = await core.ok('views.save', { entity: 'contact', name: '全部VIP', shared: true, config: { filter: {} } }, admin);
    expect((await core.ok('views.list', { entity: 'contact' }, rep)).map((v) => v.name)).toEqual(['全部VIP']);
    expect((await core.ok('views.list', { entity: 'contact' }, admin)).map((v) => v.name).sort()).toEqual(['全部VIP', '北京客户'].sort());
    expect(await core.call('views.delete', { id: shared.id }, rep)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('deleting a tag removes it from every record; tag names are unique', async () => {
    const tag = await core.ok('tags.save', { name: 'VIP', color: 'red' }, admin);
    expect(await core.call('tags.save', { name: 'VIP', color: 'blue' }, admin)).toMatchObject({ ok: false, error: { fields: [{ path: 'name' }] } });
    const c = await contact({ familyName: '周', givenName: '明', tagIds: [tag.id] });
    await core.ok('tags.delete', { id: tag.id }, admin);
    expect((await core.ok('contacts.get', { id: c.id }, admin)).tags).toEqual([]);
  });
});

describe('sample data and the change log', () => {
  it('the sample office fills companies and contacts in both languages, and replaying the change log rebuilds it exactly', async () => {
    const counts = await core.ok('sample.load', {}, admin);
    expect(counts.counts.contacts).toBeGreaterThan(40);
    const list = await core.ok('contacts.list', { limit: 500 }, admin);
    expect(list.rows.some((r) => /[\u4e00-\u9fff]/.test(r.familyName))).toBe(true);
    expect(list.rows.some((r) => /^[A-Z]/.test(r.familyName))).toBe(true);
    await core.ok('customers.merge', { kind: 'contact', keepId: list.rows[0]!.id, mergeId: list.rows[1]!.id, takeFromMerged: ['title'] }, admin);
    await core.ok('customers.delete', { kind: 'contact', ids: [list.rows[2]!.id] }, admin);
    await core.ok('customers.purge', { kind: 'contact', ids: [list.rows[2]!.id] }, admin);
    const replica = replayChangeLog(core.services.db);
    expect(syncedDump(replica)).toEqual(syncedDump(core.services.db));
    // The search index is rebuilt by the same triggers on the replica.
    const q = "SELECT count(*) AS n FROM contacts_fts WHERE contacts_fts MATCH '\"example\"'";
    expect(replica.prepare(q).get()).toEqual(core.services.db.prepare(q).get());
  });
});
