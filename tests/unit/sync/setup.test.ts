import { afterEach, describe, expect, it } from 'vitest';
import { createOffice } from '../../../src-main/core/sync/identity';
import { joinOffice, SyncServer } from '../../../src-main/core/sync/tls';
import { ADMIN, setUpOffice, snapshot, type TestCore } from '../../helpers/core';
import { syncingCores } from './helpers';

const cores = syncingCores();
const servers: SyncServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.stop();
  await cores.dispose();
});
const core = (): TestCore => cores.make();

const SETUP = { officeName: '第二个办公室', language: 'en', currency: 'USD', admin: { ...ADMIN, username: 'other' }, loadSampleData: true };
const TABLES = ['users', 'settings', 'change_log', 'contacts', 'sync_meta', 'sync_peers', 'local_sessions'];

describe('a desktop belongs to one office', () => {
  it('a desktop that joined an office refuses system.setup, with a translated reason, and nothing changes', async () => {
    const a = core();
    const b = core();
    await setUpOffice(a);
    createOffice(a.services.db, a.services.deviceId);
    const server = new SyncServer({ ctx: a.services, host: '127.0.0.1', port: 0, deviceName: () => 'A' });
    servers.push(server);
    const port = await server.start();
    // Joined (core level: no background round that would bring the office data meanwhile).
    await joinOffice(b.services, { host: '127.0.0.1', port, code: server.openPairing().code, deviceName: 'B' });
    // Joined, the office data not arrived yet: the desktop looks empty, but it is not free for a new office.
    expect((await b.ok('system.status', {})).setUp).toBe(false);
    const before = snapshot(b, TABLES);
    const result = await b.call('system.setup', SETUP);
    expect(result).toMatchObject({ ok: false, error: { code: 'ALREADY_SET_UP', messageKey: 'sync.errors.setup_joined' } });
    expect(snapshot(b, TABLES)).toEqual(before);
  });

  it('a set-up desktop still refuses a second setup, and a fresh one sets up', async () => {
    const a = core();
    await setUpOffice(a);
    const before = snapshot(a, TABLES);
    expect(await a.call('system.setup', SETUP)).toMatchObject({ ok: false, error: { code: 'ALREADY_SET_UP' } });
    expect(snapshot(a, TABLES)).toEqual(before);
    const fresh = core();
    expect((await fresh.call('system.setup', SETUP)).ok).toBe(true);
  });
});
