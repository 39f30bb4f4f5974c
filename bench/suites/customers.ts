/**
 * Customers at scale: 1,000,000 contacts and 100,000 companies (`--quick`:
 * 50,000 and 5,000) written through the real write path, then list, search
 * and open timings. Bulk create is compared with raw inserts into the same
 * tables, indexes and search index of an encrypted file, measured in this run.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { v7 as uuidv7 } from 'uuid';
import { openCore } from '../../src-main/core';
import { openDatabase } from '../../src-main/core/db/connection';
import { FileKeyStore } from '../../src-main/core/db/keystore';
import { migrate } from '../../src-main/core/db/migrate';
import { companies } from '../../src-main/core/db/schema';
import { Writer } from '../../src-main/core/db/writer';
import { nameKey } from '../../src-main/core/customers/normalize';
import type { MethodInput } from '../../src-shared/contract';
import { tempDir } from '../../tests/helpers/core';
import { latency, round2, type Suite } from '../lib';

const FAMILY_CN = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN_CN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志斌宇浩凯健俊帆';
const FAMILY_EN = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Wilson', 'Taylor', 'Lee', 'Walker', 'Hall', 'Allen', 'Young'];
const GIVEN_EN = ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Lucas', 'Mia', 'Ethan', 'Sophia', 'Mason', 'Amelia', 'Logan', 'Harper', 'James'];
const CITIES = ['北京市', '上海市', '深圳市', '广州市', '杭州市', '成都市', '武汉市', '苏州市', 'Seattle', 'Denver'];
const INDUSTRIES = ['制造业', '批发零售', '信息技术', '物流运输', '餐饮', '教育', 'Healthcare', 'Retail'];

/** Deterministic pseudo-random numbers, so every run writes the same data. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function contactInput(i: number, rand: () => number, companyIds: string[]): MethodInput<'contacts.create'> {
  const chinese = i % 3 !== 0;
  const pick = <T>(list: ArrayLike<T>) => list[Math.floor(rand() * list.length)]!;
  const familyName = chinese ? pick(FAMILY_CN) : pick(FAMILY_EN);
  const givenName = chinese ? pick(GIVEN_CN) + (rand() < 0.5 ? pick(GIVEN_CN) : '') : pick(GIVEN_EN);
  const mobile = `13${Math.floor(rand() * 10)}${String(i).padStart(8, '0')}`;
  return {
    familyName,
    givenName,
    title: chinese ? pick(['经理', '总监', '主管', '助理']) : pick(['Manager', 'Director', 'Assistant']),
    companyId: rand() < 0.8 ? pick(companyIds) : null,
    phones: [{ label: '', number: `+86${mobile}` }],
    emails: [{ label: '', address: `u${i}@${chinese ? 'mail' : 'corp'}${i % 97}.example.com` }],
    city: pick(CITIES),
  };
}

export const customersSuite: Suite = {
  name: 'customers',
  async run({ quick, report }) {
    const CONTACTS = quick ? 50_000 : 1_000_000;
    const COMPANIES = quick ? 5_000 : 100_000;
    const COMPARE = quick ? 10_000 : 50_000;
    const BATCH = 5_000;
    const SEED_BATCH = 50_000;
    const SEED_CACHE_MB = quick ? 128 : 512;
    // HARBOR_BENCH_DB=<folder>: seed into that folder and keep it; when it already holds a seeded database, only measure.
    const reuse = process.env.HARBOR_BENCH_DB;
    const dir = reuse ?? tempDir('harbor-bench-');
    const seeded = reuse !== undefined && existsSync(join(dir, 'harbor.db'));
    const core = openCore({ dataDir: dir, keyStore: new FileKeyStore(join(dir, 'harbor.key')) });
    const db = core.services.db;
    const session = seeded
      ? await core.dispatcher.call('auth.login', { username: 'bench', password: 'bench-password' }, { origin: 'internal' })
      : await core.dispatcher.call(
          'system.setup',
          { officeName: 'Bench', language: 'zh-CN', currency: 'CNY', admin: { displayName: 'Bench', username: 'bench', password: 'bench-password' } },
          { origin: 'internal' },
        );
    if (!session.ok) throw new Error(JSON.stringify(session.error));
    const admin = session;
    const token = admin.value.token;
    const companyIds = seeded
      ? (db.prepare('SELECT id FROM companies ORDER BY rowid').all() as { id: string }[]).map((r) => r.id)
      : await seed();

    async function seed(): Promise<string[]> {
      const rand = rng(42);

      // Companies through the Writer (the write path every method uses), in batches.
      const companyIds: string[] = [];
      const writer = new Writer({ db, clock: core.services.clock, deviceId: core.services.deviceId, actorId: admin.value.user.id });
      for (let start = 0; start < COMPANIES; start += BATCH) {
        const rows = Array.from({ length: Math.min(BATCH, COMPANIES - start) }, (_, k) => {
          const i = start + k;
          const name = `${['海港', '华东', '云杉', '北辰', '蓝湾', '锦程', 'Northwind', 'Contoso'][i % 8]}${i}${i % 2 ? '贸易有限公司' : ' Trading'}`;
          return { name, nameKey: nameKey(name), city: CITIES[i % CITIES.length], industry: INDUSTRIES[i % INDUSTRIES.length], ownerId: admin.value.user.id };
        });
        db.transaction(() => companyIds.push(...writer.insertManyRaw(companies, rows)))();
      }

      // Bulk create through the API vs raw inserts of the same rows, same tables, indexes and search triggers.
      const compareRows = Array.from({ length: COMPARE }, (_, i) => contactInput(i, rand, companyIds));
      let t0 = performance.now();
      for (let start = 0; start < COMPARE; start += BATCH) {
        const r = await core.dispatcher.call('contacts.bulkCreate', { contacts: compareRows.slice(start, start + BATCH) }, { token, origin: 'internal' });
        if (!r.ok) throw new Error(JSON.stringify(r.error));
      }
      const apiRate = COMPARE / ((performance.now() - t0) / 1000);

      const rawDir = tempDir('harbor-bench-raw-');
      const raw = openDatabase({ file: join(rawDir, 'raw.db'), key: Buffer.alloc(32, 9) });
      migrate(raw, null);
      const insert = raw.prepare(
        `INSERT INTO contacts (id, created_at, updated_at, created_by, updated_by, family_name, given_name, name_key, given_key, title, company_id,
          phones, emails, ims, phone_key, email_key, city, owner_id, custom) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, '{}')`,
      );
      const rawRows = compareRows.map((c) => {
        const phones = JSON.stringify(c.phones);
        return [c.familyName!, c.givenName!, nameKey(c.familyName, c.givenName), nameKey(c.givenName), c.title, c.companyId ?? null, phones, JSON.stringify(c.emails), c.phones![0]!.number.slice(1), c.emails![0]!.address, c.city];
      });
      t0 = performance.now();
      raw.transaction(() => {
        const now = Date.now();
        for (const r of rawRows) insert.run(uuidv7(), now, now, 'u', 'u', ...r.slice(0, 6), r[6], r[7], r[8], r[9], r[10], 'u');
      })();
      const rawRate = COMPARE / ((performance.now() - t0) / 1000);
      raw.close();
      rmSync(rawDir, { recursive: true, force: true });
      report({ name: 'contacts.bulkCreate', unit: 'rows/s', value: Math.round(apiRate), baseline: Math.round(rawRate), ratio: round2(apiRate / rawRate), target: '>= 0.30', n: COMPARE });

      // Seed the rest through the API in the largest batches it takes. Only this
      // connection's page cache is raised while seeding (a batch dirties most
      // pages of the name, company and owner indexes; a cache smaller than that
      // spills them to the log again and again), then set back for the measures.
      const appCache = db.pragma('cache_size', { simple: true }) as number;
      db.pragma(`cache_size = -${SEED_CACHE_MB * 1024}`);
      t0 = performance.now();
      for (let start = COMPARE; start < CONTACTS; start += SEED_BATCH) {
        const batch = Array.from({ length: Math.min(SEED_BATCH, CONTACTS - start) }, (_, k) => contactInput(start + k, rand, companyIds));
        const r = await core.dispatcher.call('contacts.bulkCreate', { contacts: batch }, { token, origin: 'internal' });
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        const done = start + batch.length;
        if (done % 100_000 === 0) console.error(`seeded ${done} contacts in ${Math.round((performance.now() - t0) / 1000)} s`);
      }
      report({ name: 'contacts.seed', unit: 's', value: round2((performance.now() - t0) / 1000), n: CONTACTS, companies: COMPANIES, batch: SEED_BATCH, cacheMB: SEED_CACHE_MB });
      db.pragma(`cache_size = ${appCache}`);
      const logBytes = (db.prepare("SELECT sum(length(data)) + count(*) * 60 AS b FROM change_log WHERE tbl = 'contacts'").get() as { b: number }).b;
      report({ name: 'contacts.changeLogBytesPerRow', unit: 'bytes', value: Math.round(logBytes / CONTACTS) });
      return companyIds;
    }

    // List pages: 50 rows, each sort, with a filter, through the dispatcher.
    const call = async (method: 'contacts.list' | 'companies.list' | 'customers.search', input: unknown) => {
      const r = await core.dispatcher.call(method, input, { token, origin: 'internal' });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.value;
    };
    const timed = async (name: string, n: number, fn: (i: number) => Promise<unknown>, before?: () => void) => {
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        before?.();
        const start = performance.now();
        await fn(i);
        samples.push(performance.now() - start);
      }
      samples.sort((a, b) => a - b);
      const at = (p: number) => Math.round(samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)]! * 1000) / 1000;
      return { name, unit: 'ms', p50: at(50), p95: at(95), n };
    };
    const sorts = ['name', 'company', 'city', 'title', 'phone', 'email', 'createdAt', 'updatedAt'] as const;
    // A tag on one contact in 2,000 (500 of a million), tagged through the API once.
    const tagName = 'bench-vip';
    let vip = db.prepare('SELECT id FROM tags WHERE name = ? AND deleted_at IS NULL').pluck().get(tagName) as string | undefined;
    if (!vip) {
      const saved = await core.dispatcher.call('tags.save', { name: tagName, color: 'red' }, { token, origin: 'internal' });
      if (!saved.ok) throw new Error(JSON.stringify(saved.error));
      vip = saved.value.id;
      const ids = db.prepare('SELECT id FROM contacts WHERE rowid % 2000 = 0').pluck().all() as string[];
      const tagged = await core.dispatcher.call('customers.bulkUpdate', { kind: 'contact', ids, addTagIds: [vip] }, { token, origin: 'internal' });
      if (!tagged.ok) throw new Error(JSON.stringify(tagged.error));
    }
    const filters = [{ city: '深圳市' }, { ownerId: admin.value.user.id }, { companyId: companyIds[7]! }, { updatedFrom: 0 }, {}, { tagIds: [vip] }];
    const listMeasure = await timed('contacts.list.page50', quick ? 200 : 400, (i) =>
      call('contacts.list', { sort: sorts[i % sorts.length], dir: i % 2 ? 'desc' : 'asc', filter: filters[i % filters.length], offset: (i % 5) * 50, limit: 50 }),
    );
    report({ ...listMeasure, target: 'p95 < 15' });
    report({ ...(await timed('companies.list.page50', 100, (i) => call('companies.list', { sort: (['name', 'city', 'createdAt'] as const)[i % 3], filter: i % 2 ? { city: '上海市' } : {}, limit: 50 }))), target: 'p95 < 15' });

    const cjk = ['王', '张伟', '李娜', '陈静', '刘洋', '秀英', '贸易', '海港1', '有限公司', '海港12贸易有限公司'];
    const latin = ['l', 'li', 'wei', 'smith', 'olivia', '138', '1380000', 'u123@', 'corp5.example', 'northwind'];
    report({ ...(await timed('customers.search.cjk', quick ? 200 : 500, (i) => call('customers.search', { q: cjk[i % cjk.length], limit: 8 }))), target: 'p95 < 30' });
    report({ ...(await timed('customers.search.latin', quick ? 200 : 500, (i) => call('customers.search', { q: latin[i % latin.length], limit: 8 }))), target: 'p95 < 30' });
    // Each of the 20 terms with each sort in turn (by name first), both directions.
    const listSearch = (i: number) =>
      call('contacts.list', { filter: { q: [...cjk, ...latin][i % 20] }, sort: sorts[Math.floor(i / 20) % sorts.length], dir: Math.floor(i / 40) % 2 ? 'desc' : 'asc', limit: 50 });
    const searches = quick ? 160 : 320;
    report({ ...(await timed('contacts.list.search', searches, listSearch)), target: 'p95 < 30', sorts: sorts.length });
    // The same calls, each after a write (untimed), so none can use what an earlier call with the same text kept.
    const touch = db.prepare("UPDATE local_meta SET updated_at = updated_at WHERE key = 'device_id'");
    report({ ...(await timed('contacts.list.search.afterWrite', searches, listSearch, () => touch.run())), target: 'p95 < 30', sorts: sorts.length });
    // Each after a commit by another connection (as when sync applies a batch): SQLite then empties this connection's page cache,
    // so every page the call reads is read and decrypted again.
    const other = openDatabase({ file: join(dir, 'harbor.db'), key: new FileKeyStore(join(dir, 'harbor.key')).loadAll()[0]!, create: false });
    const foreign = other.prepare("UPDATE local_meta SET updated_at = updated_at + 1 WHERE key = 'device_id'");
    report({ ...(await timed('contacts.list.search.afterOtherCommit', searches, listSearch, () => foreign.run())), sorts: sorts.length });
    report({
      ...(await timed('contacts.list.page50.afterOtherCommit', quick ? 100 : 200, (i) => call('contacts.list', { sort: sorts[i % sorts.length], filter: filters[i % filters.length], offset: (i % 5) * 50, limit: 50 }), () => foreign.run())),
      target: 'p95 < 15',
    });
    other.close();

    // Opening the big database: key, migrations check, device id, clock.
    core.close();
    const open = latency('customers.openDatabase', 5, () => openCore({ dataDir: dir, keyStore: new FileKeyStore(join(dir, 'harbor.key')) }).close());
    report({ ...open, target: 'p95 < 1000', contacts: CONTACTS });
    if (reuse === undefined) rmSync(dir, { recursive: true, force: true });
  },
};
