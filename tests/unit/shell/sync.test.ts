import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startShell, type RunningShell } from '../../../src-main/shell/app';
import { createOffice, writeMeta } from '../../../src-main/core/sync/identity';
import { getPeer } from '../../../src-main/core/sync/peers';
import { connectTls, joinOffice, syncWithPeer } from '../../../src-main/core/sync/tls';
import { ADMIN, makeTestCore, type TestCore } from '../../helpers/core';
import { shellFolders } from './support';
import { resetFakeElectron, type FakeElectron, type FakeElectronOptions } from '../../fakes/electron';

vi.mock('electron', async () => (await import('../../fakes/electron')).electronModule);

let root: string;
let userData: string;
let rendererDir: string;
let running: RunningShell | null;
let fake: FakeElectron;
const others: TestCore[] = [];
const discovery = process.env.HARBOR_SYNC_DISCOVERY;

async function launch(options: FakeElectronOptions = {}): Promise<RunningShell> {
  fake = resetFakeElectron({ userData, packaged: true, ...options });
  const started = startShell({ argv: ['harbor'], rendererDir, preload: '/opt/harbor/out/preload/index.cjs', appVersion: '0.1.0' });
  fake.app.emitReady();
  running = await started;
  return running!;
}

async function quit(): Promise<void> {
  const done = new Promise<void>((resolve) => fake.app.once('quit', () => resolve()));
  fake.app.quit();
  await done;
}

beforeEach(() => {
  // As in CI: no multicast. The app must honour it on its own.
  process.env.HARBOR_SYNC_DISCOVERY = 'off';
  ({ root, userData, rendererDir } = shellFolders('harbor-shell-sync-'));
  running = null;
});

afterEach(async () => {
  if (running?.core.services.db.open) await quit();
  while (others.length) others.pop()!.dispose();
  rmSync(root, { recursive: true, force: true });
  if (discovery === undefined) delete process.env.HARBOR_SYNC_DISCOVERY;
  else process.env.HARBOR_SYNC_DISCOVERY = discovery;
});

describe('background sync in the desktop app', () => {
  it('stays off on a desktop that belongs to no office', async () => {
    const shell = await launch();
    expect(shell.sync.state).toBe('off');
    expect(shell.sync.port).toBeNull();
  });

  it('starts at launch on a desktop of an office, serves its peers, honours HARBOR_SYNC_DISCOVERY=off, and stops on quit', async () => {
    // First launch: the office is set up and this desktop becomes its first (sync identity created).
    let shell = await launch();
    const { services } = shell.core;
    await shell.core.dispatcher.call(
      'system.setup',
      { officeName: 'Harbor Trading', language: 'en', currency: 'USD', admin: ADMIN, loadSampleData: false },
      { token: null, origin: 'internal' },
    );
    createOffice(services.db, services.deviceId);
    writeMeta(services.db, 'listen_host', '127.0.0.1');
    writeMeta(services.db, 'port', '0');
    await quit();

    // Next launch: sync runs without anyone opening the sync page.
    const os = fake.os;
    shell = await launch({ os });
    expect(shell.sync.state).not.toBe('off');
    const port = shell.sync.port!;
    expect(port).toBeGreaterThan(0);
    expect(shell.sync.discovering).toBe(false);
    // Another desktop pairs with it and receives the office over TLS.
    const b = makeTestCore();
    others.push(b);
    const { code } = await shell.sync.startPairing();
    await joinOffice(b.services, { host: '127.0.0.1', port, code, deviceName: 'B' });
    const result = await syncWithPeer(b.services, getPeer(b.services.db, shell.core.services.deviceId)!, { host: '127.0.0.1', port });
    expect(result.pulled.applied).toBeGreaterThan(0);
    expect(b.services.db.prepare("SELECT username FROM users WHERE role = 'administrator'").all()).toEqual([{ username: ADMIN.username }]);

    // Quit: the sync port closes with the database.
    await quit();
    expect(shell.core.services.db.open).toBe(false);
    await expect(connectTls(b.services, '127.0.0.1', port, 2000)).rejects.toMatchObject({ messageKey: 'sync.errors.unreachable' });
  });
});
