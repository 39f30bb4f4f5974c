import { tableInfo, Writer } from '../../../src-main/core/db/writer';
import type { Core } from '../../../src-main/core';
import { SYNCED_TABLES } from '../../../src-main/core/db/schema';
import { directChannel, pullFrom } from '../../../src-main/core/sync/exchange';
import type { SqliteDb } from '../../../src-main/core/db/connection';
import { writeMeta } from '../../../src-main/core/sync/identity';
import { syncServiceFor } from '../../../src-main/core/sync/service';
import { SyncServer } from '../../../src-main/core/sync/tls';
import { makeTestCore, type TestCore } from '../../helpers/core';

/** Runs local writes on a core as one transaction, like a handler would. */
export function writeOn<T>(core: Core, fn: (w: Writer) => T, actorId: string | null = null): T {
  const s = core.services;
  return s.db.transaction(() => fn(new Writer({ db: s.db, clock: s.clock, deviceId: s.deviceId, actorId, now: s.now })))();
}

/** `to` pulls everything new from `from`. */
export function pull(to: Core, from: Core) {
  return pullFrom(to.services, directChannel(from.services, to.services));
}

/** Every synced table's rows in a canonical order: equal dumps mean equal office data. */
export function canonicalDump(core: Core): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const table of Object.values(SYNCED_TABLES)) {
    const name = tableInfo(table).name;
    out[name] = core.services.db.prepare(`SELECT * FROM "${name}" ORDER BY id`).all();
  }
  return out;
}

/** Keeps a core's background sync on loopback, on any free port, without multicast (as every test wants). */
export function keepOnLoopback(db: SqliteDb): void {
  writeMeta(db, 'listen_host', '127.0.0.1');
  writeMeta(db, 'port', '0');
  writeMeta(db, 'discovery', 'off');
}

/** Test cores whose sync services are stopped before each is closed and deleted (`dispose` after each test). */
export function syncingCores(): { make(): TestCore; dispose(): Promise<void> } {
  const cores: TestCore[] = [];
  return {
    make() {
      const c = makeTestCore();
      cores.push(c);
      keepOnLoopback(c.services.db);
      return c;
    },
    async dispose() {
      while (cores.length) {
        const c = cores.pop()!;
        await syncServiceFor(c.services).stop();
        c.dispose();
      }
    },
  };
}

/** Sync servers on loopback started by a test (`start`), stopped by `stop` after each test, before its cores go. */
export function loopbackServers(): {
  start(c: TestCore, name?: string): Promise<{ server: SyncServer; port: number }>;
  stop(): Promise<void>;
} {
  const servers: SyncServer[] = [];
  return {
    async start(c, name = c.services.deviceId) {
      const server = new SyncServer({ ctx: c.services, host: '127.0.0.1', port: 0, deviceName: () => name });
      servers.push(server);
      return { server, port: await server.start() };
    },
    async stop() {
      while (servers.length) await servers.pop()!.stop();
    },
  };
}
