import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startBrowserMode, type BrowserMode } from '../../../src-main/browser-mode';
import { createOffice, writeMeta } from '../../../src-main/core/sync/identity';
import { getPeer } from '../../../src-main/core/sync/peers';
import { connectTls, joinOffice, syncWithPeer } from '../../../src-main/core/sync/tls';
import { makeTestCore, setUpOffice, tempDir, type TestCore } from '../../helpers/core';
import { canonicalDump } from './helpers';

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
