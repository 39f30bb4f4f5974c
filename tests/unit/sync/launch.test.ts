import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startBrowserMode, type BrowserMode } from '../../../src-main/browser-mode';
import { createOffice, writeMeta } from '../../../src-main/core/sync/identity';
import { getPeer } from '../../../src-main/core/sync/peers';
import { connectTls, joinOffice, syncWithPeer } from '../../../src-main/core/sync/tls';
import { ADMIN, makeTestCore, setUpOffice, tempDir, type TestCore } from '../../helpers/core';
import { syncServiceFor } from '../../../src-main/core/sync/service';
import { canonicalDump, syncingCores } from './helpers';

const running: BrowserMode[] = [];
const cores: TestCore[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
  while (cores.length) cores.pop()!.dispose();
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function browserMode(dataDir: string): Promise<BrowserMode> {
  const mode = await startBrowserMode({ dataDir, host: '127.0.0.1', port: 0, staticDir: null, appVersion: '0.1.0-test' });
  running.push(mode);
  return mode;
}

describe('browser mode (npm run serve) resumes sync', () => {
  it('a data folder of an office syncs as soon as it is served, and stops with it', async () => {
    const dir = tempDir('harbor-serve-');
    dirs.push(dir);
    // The office as an earlier run left it: set up, first desktop of its office, loopback only.
    const before = makeTestCore({ dir });
    await setUpOffice(before);
    createOffice(before.services.db, before.services.deviceId);
    writeMeta(before.services.db, 'listen_host', '127.0.0.1');
    writeMeta(before.services.db, 'port', '0');
    writeMeta(before.services.db, 'discovery', 'off');
    before.dispose();

    const mode = await browserMode(dir);
    const port = mode.sync.port!;
    expect(port).toBeGreaterThan(0);
    expect((await fetch(`${mode.http.url.replace(/\/$/, '')}/rpc`)).ok).toBe(true);
    const b = makeTestCore();
    cores.push(b);
    await joinOffice(b.services, { host: '127.0.0.1', port, code: (await mode.sync.startPairing()).code, deviceName: 'B' });
    await syncWithPeer(b.services, getPeer(b.services.db, mode.core.services.deviceId)!, { host: '127.0.0.1', port });
    expect(canonicalDump(b)).toEqual(canonicalDump(mode.core));

    await mode.close();
    expect(mode.core.services.db.open).toBe(false);
    await expect(connectTls(b.services, '127.0.0.1', port, 2000)).rejects.toMatchObject({ messageKey: 'sync.errors.unreachable' });
  });

  it('a data folder of no office serves without sync', async () => {
    const dir = tempDir('harbor-serve-');
    dirs.push(dir);
    const mode = await browserMode(dir);
    expect(mode.sync.state).toBe('off');
    expect(mode.sync.port).toBeNull();
  });
});

describe('sync across a restore', () => {
  it('keeps serving after a restore of the same office, and stops when the copy predates the office', async () => {
    const cores = syncingCores();
    try {
      const a = cores.make();
      let token = await setUpOffice(a);
      const usb = tempDir('harbor-usb-');
      dirs.push(usb);
      await a.ok('backup.setConfig', { targetDir: usb }, token);
      await a.ok('backup.setPassword', { password: 'backup password 1' }, token);
      const backup = async () => a.backup.waitFor((await a.ok('backup.run', {}, token)).jobId);
      const restore = async (path: string) => {
        const { jobId } = await a.ok('backup.restore', { path, password: 'backup password 1' }, token);
        expect((await a.backup.waitFor(jobId)).state).toBe('done');
        return (await a.ok('auth.login', { username: ADMIN.username, password: ADMIN.password })).token;
      };
      const beforeOffice = await backup();
      const { port } = await a.ok('sync.pair.start', {}, token);
      const withOffice = await backup();
      const service = syncServiceFor(a.services);

      // The same office and certificate come back: same server, a peer still pairs and syncs.
      token = await restore(withOffice.path!);
      await service.runRound();
      expect(service.port).toBe(port);
      const b = cores.make();
      await joinOffice(b.services, { host: '127.0.0.1', port, code: (await a.ok('sync.pair.start', {}, token)).code, deviceName: 'B' });
      await syncWithPeer(b.services, getPeer(b.services.db, a.services.deviceId)!, { host: '127.0.0.1', port });
      expect(canonicalDump(b)).toEqual(canonicalDump(a));

      // A copy from before this desktop had an office: it no longer belongs to one, and its port closes.
      token = await restore(beforeOffice.path!);
      await service.runRound();
      expect(service.enabled).toBe(false);
      expect(service.port).toBeNull();
      expect(service.state).toBe('off');
      await expect(connectTls(b.services, '127.0.0.1', port, 2000)).rejects.toMatchObject({ messageKey: 'sync.errors.unreachable' });
    } finally {
      await cores.dispose();
    }
  });
});
