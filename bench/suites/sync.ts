/**
 * Sync: 10,000 changes pulled from one desktop by another over loopback TLS
 * (changes/s), convergence of 10,000 changes written across three desktops,
 * local write throughput with background sync running vs not, and the
 * change-log size per 100,000 contact-like rows (`--quick`: 10,000, scaled),
 * before and after compaction of an edited data set, and the main thread's
 * slowest stall while 10,000 received changes are applied (in the sync worker
 * vs on the main thread, over TLS and from a shared folder).
 *
 * `--quick` moves fewer changes (see QUICK) so the whole quick run takes about
 * a minute; every line's `n` (or `rows`) says how many it measured. Names stay
 * those of the full run.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openCore, type Core } from '../../src-main/core';
import { FileKeyStore } from '../../src-main/core/db/keystore';
import { contacts } from '../../src-main/core/db/schema';
import { Writer } from '../../src-main/core/db/writer';
import { HISTORY_TABLES } from '../../src-main/core/db/history';
import { compactLog } from '../../src-main/core/sync/compact';
import { collectFromFolder, publishToFolder } from '../../src-main/core/sync/folder';
import { adoptOffice, createOffice, officeIdentity, writeMeta } from '../../src-main/core/sync/identity';
import { DEFAULT_BATCH_SIZE } from '../../src-main/core/sync/protocol';
import { getPeer } from '../../src-main/core/sync/peers';
import { startApplyWorker, stopApplyWorker } from '../../src-main/core/sync/apply';
import { BACKGROUND_BATCH, syncServiceFor } from '../../src-main/core/sync/service';
import { joinOffice, SyncServer, syncWithPeer } from '../../src-main/core/sync/tls';
import { tempDir } from '../../tests/helpers/core';
import { round2, type Suite } from '../lib';

const HOST = '127.0.0.1';

function open(): Core & { dir: string } {
  const dir = tempDir('harbor-bench-sync-');
  const core = openCore({ dataDir: dir, keyStore: new FileKeyStore(join(dir, 'harbor.key')) });
  writeMeta(core.services.db, 'listen_host', HOST);
  writeMeta(core.services.db, 'port', '0');
  writeMeta(core.services.db, 'discovery', 'off');
  return Object.assign(core, { dir });
}

function dispose(core: Core & { dir: string }): void {
  core.close();
  rmSync(core.dir, { recursive: true, force: true });
}

/** How many changes (or rows) each measure moves. */
const FULL = { pull: 10_000, converge: 10_000, localWrite: 50_000, logRows: 100_000, compactRows: 100_000, stall: 10_000, folder: 10_000 };
/**
 * Smaller, but each still spans several of the units its figure is made of:
 * the pull and the convergence three full 2,000-entry batches (one per desktop);
 * a stall run 40 background batches against 8 main-thread 500-entry batches
 * (its baseline); the shared folder two 2,000-entry files, each applied whole
 * by the baseline. Sizes of the log grow by the same bytes per row whatever the
 * count, so compaction's figures hold on 5,000 rows. A maximum stall is the
 * worst of what happened while the job ran, so a shorter run tends to show a
 * lower one, on both sides: compare a quick figure with its same-run baseline,
 * not with a full run's.
 */
const QUICK: typeof FULL = { pull: 6_000, converge: 6_000, localWrite: 10_000, logRows: 10_000, compactRows: 5_000, stall: 4_000, folder: 4_000 };

const FAMILY = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超';

/** Writes `n` contact-like rows (one change each) in transactions of `perTx`; returns rows/s. */
function writeContacts(core: Core, n: number, offset = 0, perTx = 100): number {
  const { db, clock, deviceId } = core.services;
  const writer = new Writer({ db, clock, deviceId, actorId: null });
  const t0 = performance.now();
  for (let start = 0; start < n; start += perTx) {
    db.transaction(() => {
      for (let i = start; i < Math.min(n, start + perTx); i++) {
        const k = i + offset;
        const familyName = FAMILY[k % FAMILY.length]!;
        const givenName = GIVEN[(k * 7) % GIVEN.length]! + GIVEN[(k * 13) % GIVEN.length]!;
        writer.insertRaw(contacts, {
          familyName,
          givenName,
          nameKey: `${familyName}${givenName}`,
          title: '经理',
          phones: JSON.stringify([{ label: '', number: `+8613${String(k).padStart(9, '0')}` }]),
          emails: JSON.stringify([{ label: '', address: `u${k}@example.cn` }]),
          phoneKey: `13${String(k).padStart(9, '0')}`,
          emailKey: `u${k}@example.cn`,
          city: '上海市',
        });
      }
    })();
  }
  return n / ((performance.now() - t0) / 1000);
}

async function serverFor(core: Core): Promise<{ server: SyncServer; port: number }> {
  createOffice(core.services.db, core.services.deviceId);
  const server = new SyncServer({ ctx: core.services, host: HOST, port: 0, deviceName: () => core.services.deviceId });
  return { server, port: await server.start() };
}

async function pairTo(joiner: Core, server: SyncServer, port: number): Promise<void> {
  const { code } = server.openPairing();
  await joinOffice(joiner.services, { host: HOST, port, code, deviceName: joiner.services.deviceId });
}

function logCount(core: Core): number {
  return (core.services.db.prepare('SELECT count(*) AS n FROM change_log').get() as { n: number }).n;
}

/**
 * Runs `job` while the main thread keeps working as a busy UI would: a small
 * write (or a list query) every 2 ms. Returns the slowest event-loop stall
 * (monitorEventLoopDelay), its p99, the slowest single operation, how many
 * ran, and how long the job took.
 */
async function whileBusy(core: Core, work: 'write' | 'read', job: () => Promise<void>) {
  const { db, clock, deviceId } = core.services;
  const writer = new Writer({ db, clock, deviceId, actorId: null });
  const list = db.prepare('SELECT id, family_name, given_name FROM contacts ORDER BY name_key LIMIT 50');
  let ops = 0;
  let slowestOp = 0;
  let done = false;
  const local = (async () => {
    while (!done) {
      const t = performance.now();
      if (work === 'write') {
        db.transaction(() => writer.insertRaw(contacts, { familyName: '李', givenName: '娜', nameKey: `本地${ops}`, phones: '[]', emails: '[]' }))();
      } else {
        list.all();
      }
      slowestOp = Math.max(slowestOp, performance.now() - t);
      ops++;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const t0 = performance.now();
  try {
    await job();
  } finally {
    histogram.disable();
    done = true;
    await local;
  }
  const ms = performance.now() - t0;
  return { maxMs: round2(histogram.max / 1e6), p99Ms: round2(histogram.percentile(99) / 1e6), slowestOpMs: round2(slowestOp), ops, applyMs: round2(ms) };
}

export const syncSuite: Suite = {
  name: 'sync',
  async run({ quick, report }) {
    const size = quick ? QUICK : FULL;

    // 1. One desktop pulls 10,000 changes from another over loopback TLS.
    {
      const CHANGES = size.pull;
      const a = open();
      const b = open();
      writeContacts(a, CHANGES);
      const { server, port } = await serverFor(a);
      await pairTo(b, server, port);
      const t0 = performance.now();
      const result = await syncWithPeer(b.services, getPeer(b.services.db, a.services.deviceId)!, { host: HOST, port });
      const ms = performance.now() - t0;
      if (result.pulled.applied !== CHANGES || logCount(b) !== CHANGES) throw new Error('sync bench: not every change arrived');
      report({ name: 'sync.tls.apply10k', unit: 'changes/s', value: Math.round(CHANGES / (ms / 1000)), ms: round2(ms), n: CHANGES });
      await server.stop();
      dispose(a);
      dispose(b);
    }

    // 2. Three desktops each write a third of 10,000 changes, then converge (B and C talk to A; A relays).
    {
      const CHANGES = size.converge;
      const third = Math.floor(CHANGES / 3);
      const [a, b, c] = [open(), open(), open()];
      const { server, port } = await serverFor(a);
      await pairTo(b, server, port);
      await pairTo(c, server, port);
      writeContacts(a, CHANGES - 2 * third, 0);
      writeContacts(b, third, 100_000);
      writeContacts(c, third, 200_000);
      const target = { host: HOST, port };
      const t0 = performance.now();
      // Rounds until nothing moves: B<->A, C<->A, B<->A (B receives C's changes relayed by A).
      await syncWithPeer(b.services, getPeer(b.services.db, a.services.deviceId)!, target);
      await syncWithPeer(c.services, getPeer(c.services.db, a.services.deviceId)!, target);
      await syncWithPeer(b.services, getPeer(b.services.db, a.services.deviceId)!, target);
      const ms = performance.now() - t0;
      const counts = [a, b, c].map(logCount);
      if (counts.some((n) => n !== CHANGES)) throw new Error(`sync bench: not converged ${counts.join(',')}`);
      // The target is for 10,000 changes; a smaller quick run reports its time without it.
      report({ name: 'sync.converge3.10k', unit: 'ms', value: round2(ms), n: CHANGES, ...(CHANGES === 10_000 ? { target: '< 5000 ms' } : {}) });
      await server.stop();
      [a, b, c].forEach(dispose);
    }

    // 3. Local writes with background sync running (TLS server up, a paired desktop, a round after every change) vs a desktop without sync.
    //    Same rows, same transactions; each transaction is announced and the event loop runs in between, as with real calls.
    {
      const N = size.localWrite;
      const ROUNDS = 4;
      // Writes `n` rows starting at `offset`; returns the seconds taken.
      const announced = async (core: Core, offset: number, n: number) => {
        const { db, clock, deviceId } = core.services;
        const writer = new Writer({ db, clock, deviceId, actorId: null });
        const t0 = performance.now();
        for (let start = offset; start < offset + n; start += 100) {
          db.transaction(() => {
            for (let i = start; i < start + 100; i++) {
              writer.insertRaw(contacts, { familyName: '王', givenName: '伟', nameKey: `王伟${i}`, phones: '[]', emails: '[]' });
            }
          })();
          core.services.events.emit('data.changed', { tables: ['contacts'] });
          await new Promise((resolve) => setImmediate(resolve));
        }
        return (performance.now() - t0) / 1000;
      };
      const plain = open();
      const a = open();
      const b = open();
      const { server, port } = await serverFor(b);
      await pairTo(a, server, port);
      const service = syncServiceFor(a.services);
      await service.start();
      // Alternating slices, so both sides see the same machine load and database sizes.
      let plainSeconds = 0;
      let syncSeconds = 0;
      for (let r = 0; r < ROUNDS; r++) {
        plainSeconds += await announced(plain, r * (N / ROUNDS), N / ROUNDS);
        syncSeconds += await announced(a, r * (N / ROUNDS), N / ROUNDS);
      }
      const baseline = N / plainSeconds;
      const withSync = N / syncSeconds;
      await service.stop();
      await server.stop();
      dispose(plain);
      dispose(a);
      dispose(b);
      report({
        name: 'sync.localWrite',
        unit: 'rows/s',
        value: Math.round(withSync),
        baseline: Math.round(baseline),
        ratio: round2(withSync / baseline),
        target: 'ratio >= 0.7',
        n: N,
      });
    }

    // 4. Change-log size for contact-like rows.
    {
      const ROWS = size.logRows;
      const a = open();
      writeContacts(a, ROWS, 0, 1000);
      const db = a.services.db;
      const logical = (db.prepare(
        'SELECT sum(length(hlc) + length(device_id) + length(tbl) + length(row_id) + length(op) + length(data)) AS n FROM change_log',
      ).get() as { n: number }).n;
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.exec('VACUUM');
      const before = (db.pragma('page_count', { simple: true }) as number) * pageSize;
      db.exec('DELETE FROM change_log');
      db.exec('VACUUM');
      const after = (db.pragma('page_count', { simple: true }) as number) * pageSize;
      const scale = 100_000 / ROWS;
      report({
        name: 'sync.changeLog.per100kContacts',
        unit: 'MB',
        value: round2(((before - after) * scale) / 1024 / 1024),
        logicalMB: round2((logical * scale) / 1024 / 1024),
        databaseMB: round2((before * scale) / 1024 / 1024),
        rows: ROWS,
        compaction: 'see sync.compaction',
      });
      dispose(a);
    }

    // 5. Compaction after edits: every contact edited three times (title, city, title), then everything acknowledged,
    //    compacted as it would be once the edits have settled (a week on, see compact.ts). Customer records keep
    //    their whole log (their timeline shows every change), so this measures what compaction leaves of it: all.
    {
      const ROWS = size.compactRows;
      const a = open();
      writeContacts(a, ROWS, 0, 1000);
      const { db, clock, deviceId } = a.services;
      const writer = new Writer({ db, clock, deviceId, actorId: null });
      const ids = (db.prepare('SELECT id FROM contacts').all() as { id: string }[]).map((r) => r.id);
      for (const patch of [{ title: '总监' }, { city: '深圳市' }, { title: '总经理' }]) {
        db.transaction(() => {
          for (const id of ids) writer.update(contacts, id, patch);
        })();
      }
      const logical = () =>
        (db.prepare('SELECT sum(length(hlc) + length(device_id) + length(tbl) + length(row_id) + length(op) + length(data)) AS n FROM change_log').get() as {
          n: number;
        }).n;
      const entriesBefore = logCount(a);
      const bytesBefore = logical();
      const t0 = performance.now();
      const result = compactLog(a.services, { settledMs: 0 });
      const ms = performance.now() - t0;
      const scale = 100_000 / ROWS;
      report({
        name: 'sync.compaction',
        unit: 'MB',
        value: round2((logical() * scale) / 1024 / 1024),
        baseline: round2((bytesBefore * scale) / 1024 / 1024),
        ratio: round2(logical() / bytesBefore),
        entriesBefore,
        entriesAfter: logCount(a),
        removed: result.removed,
        rewritten: result.rewritten,
        keptWhole: [...HISTORY_TABLES].join(','),
        ms: round2(ms),
        rows: ROWS,
        approach:
          'entries every paired desktop acknowledged: columns overwritten later are dropped, emptied updates and entries older than a purge removed, inserts and the newest purge kept; removed stamps remembered',
      });
      dispose(a);
    }

    // 6. The main thread while 10,000 received changes are applied: its slowest event-loop stall (monitorEventLoopDelay)
    //    while it keeps working, once committing a small write every 2 ms (as a busy UI would; each write waits for the
    //    lock while a batch is being applied) and once running a list query every 2 ms (reads never wait). Batches applied
    //    in the sync worker, background-sized, vs the baseline: on the main thread in 500-entry batches, as before the worker.
    {
      const CHANGES = size.stall;
      const stall = async (inWorker: boolean, batchSize: number, work: 'write' | 'read') => {
        const a = open();
        const b = open();
        // Both desktops run their worker (A applies B's local writes pushed back at the end), started
        // ahead as the sync service does at launch, so the thread is up when the first batch comes.
        if (inWorker && (!startApplyWorker(a.services) || !startApplyWorker(b.services))) throw new Error('sync bench: no worker');
        writeContacts(a, CHANGES);
        const { server, port } = await serverFor(a);
        await pairTo(b, server, port);
        const measured = await whileBusy(b, work, async () => {
          const result = await syncWithPeer(b.services, getPeer(b.services.db, a.services.deviceId)!, { host: HOST, port }, { batchSize });
          if (result.pulled.applied !== CHANGES) throw new Error('sync bench: not every change arrived');
        });
        await stopApplyWorker(a.services);
        await stopApplyWorker(b.services);
        await server.stop();
        dispose(a);
        dispose(b);
        return measured;
      };
      for (const work of ['write', 'read'] as const) {
        const worker = await stall(true, BACKGROUND_BATCH, work);
        const before = await stall(false, 500, work);
        report({
          name: work === 'write' ? 'sync.apply10k.mainStall' : 'sync.apply10k.mainStall.reads',
          unit: 'ms',
          value: worker.maxMs,
          baseline: before.maxMs,
          ratio: round2(worker.maxMs / before.maxMs),
          p99: worker.p99Ms,
          baselineP99: before.p99Ms,
          [work === 'write' ? 'slowestLocalWriteMs' : 'slowestListQueryMs']: worker.slowestOpMs,
          baselineSlowestOpMs: before.slowestOpMs,
          localOps: worker.ops,
          applyMs: worker.applyMs,
          baselineApplyMs: before.applyMs,
          batch: BACKGROUND_BATCH,
          baselineBatch: 500,
          n: CHANGES,
          baselineIs: 'applied on the main thread in 500-entry batches (before the sync worker)',
        });
      }
    }

    // 7. The shared folder: 10,000 changes in five 2,000-entry files, collected by a desktop that commits a small write
    //    every 2 ms meanwhile. Files applied in the sync worker in slices of BACKGROUND_BATCH (each its own transaction
    //    with how far into the file it got) vs the baseline: each file whole in one worker transaction, as before.
    //    Also: the writer's main thread while it publishes those files.
    {
      const CHANGES = size.folder;
      const folderStall = async (slice: number) => {
        const a = open();
        const b = open();
        const identity = createOffice(a.services.db, a.services.deviceId);
        adoptOffice(b.services.db, identity.officeId, identity.officeKey);
        const folder = tempDir('harbor-bench-share-');
        writeContacts(a, CHANGES);
        let written = 0;
        const published = await whileBusy(a, 'write', async () => {
          written = await publishToFolder(a.services, identity, folder);
          if (written < CHANGES) throw new Error('sync bench: not every change published');
        });
        if (!startApplyWorker(b.services)) throw new Error('sync bench: no worker');
        const collected = await whileBusy(b, 'write', async () => {
          const report = await collectFromFolder(b.services, officeIdentity(b.services.db, b.services.deviceId)!, folder, undefined, { slice });
          if (report.applied !== written) throw new Error('sync bench: not every change arrived from the folder');
        });
        await stopApplyWorker(b.services);
        dispose(a);
        dispose(b);
        rmSync(folder, { recursive: true, force: true });
        return { published, collected };
      };
      const sliced = await folderStall(BACKGROUND_BATCH);
      const whole = await folderStall(DEFAULT_BATCH_SIZE);
      report({
        name: 'sync.folder.apply10k.mainStall',
        unit: 'ms',
        value: sliced.collected.maxMs,
        baseline: whole.collected.maxMs,
        ratio: round2(sliced.collected.maxMs / whole.collected.maxMs),
        p99: sliced.collected.p99Ms,
        baselineP99: whole.collected.p99Ms,
        slowestLocalWriteMs: sliced.collected.slowestOpMs,
        baselineSlowestLocalWriteMs: whole.collected.slowestOpMs,
        localOps: sliced.collected.ops,
        applyMs: sliced.collected.applyMs,
        baselineApplyMs: whole.collected.applyMs,
        slice: BACKGROUND_BATCH,
        files: CHANGES / DEFAULT_BATCH_SIZE,
        n: CHANGES,
        baselineIs: `each ${DEFAULT_BATCH_SIZE}-entry file applied whole, in one sync-worker transaction (before slicing)`,
      });
      report({
        name: 'sync.folder.publish10k.mainStall',
        unit: 'ms',
        value: sliced.published.maxMs,
        p99: sliced.published.p99Ms,
        slowestLocalWriteMs: sliced.published.slowestOpMs,
        publishMs: sliced.published.applyMs,
        n: CHANGES,
      });
    }
  },
};
