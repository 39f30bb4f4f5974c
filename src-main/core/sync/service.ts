/**
 * Background sync for a running core: the TLS server other desktops connect
 * to, discovery (DNS-SD `_harbor-sync._tcp`), a sync round shortly after
 * every local change and every `intervalMs`, and the shared folder. Rounds run
 * on the event loop between calls (each batch is one short transaction, never
 * inside a call's transaction) and are never awaited by a request: the UI
 * only starts them and reads their status.
 */
import { hostname, networkInterfaces } from 'node:os';
import Bonjour from 'bonjour-service';
import { HarborError } from '../../../src-shared/errors';
import type { SqliteDb } from '../db/connection';
import { cachedStatement } from '../db/writer';
import type { Services } from '../rpc/context';
import { getCursor } from './merge';
import { compactLog } from './compact';
import { syncWithFolder } from './folder';
import { createOffice, officeIdentity, readMeta, writeMeta } from './identity';
import { isRemovedDevice, listPeers, notePeerContact, type PeerRow } from './peers';
import { joinOffice, SyncServer, syncWithPeer } from './tls';
import { whenIdle } from './exchange';
import { startApplyWorker, stopApplyWorker } from './apply';
import { rejoinOffice } from './rejoin';
import { maintainOfficeKeys } from './keys';
import type { PairingWindow } from './pairing';
import { BACKGROUND_BATCH } from './protocol';

export const DEFAULT_SYNC_PORT = 47_820;
export const SERVICE_TYPE = 'harbor-sync';
export { BACKGROUND_BATCH };

export type SyncState = 'off' | 'idle' | 'syncing' | 'offline' | 'error';

export interface SyncProblem {
  messageKey: string;
  params?: Record<string, string | number>;
}

function problemOf(error: unknown): SyncProblem {
  if (error instanceof HarborError) return { messageKey: error.messageKey, params: error.params };
  return { messageKey: 'errors.INTERNAL' };
}

function parseAddress(address: string | null): { host: string; port: number } | null {
  if (!address) return null;
  const m = /^(.+):(\d{1,5})$/.exec(address.trim());
  if (!m) return null;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port } : null;
}

/** Entries this device holds that the peer has not confirmed yet (not counting the peer's own). */
export function pendingFor(db: SqliteDb, peerId: string): number {
  const ack = getCursor(db, `ack:${peerId}`);
  return (cachedStatement(db, 'SELECT count(*) AS n FROM change_log WHERE seq > ? AND device_id <> ?').get(ack, peerId) as { n: number }).n;
}

export interface SyncServiceOptions {
  /** Seconds between background rounds. */
  intervalMs?: number;
  /** Delay after a local change before a round starts (changes arriving together share one round). */
  debounceMs?: number;
}

export class SyncService {
  private server: SyncServer | null = null;
  private bonjour: Bonjour | null = null;
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private again = false;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  state: SyncState = 'off';
  lastSyncAt: number | null = null;
  lastError: SyncProblem | null = null;
  private lastCompactAt = 0;
  /** Office and certificate the server was started with (a restore can bring others). */
  private startedAs: string | null = null;

  constructor(
    private readonly services: Services,
    private readonly options: SyncServiceOptions = {},
  ) {}

  get db(): SqliteDb {
    return this.services.db;
  }

  get enabled(): boolean {
    return officeIdentity(this.db, this.services.deviceId) !== null;
  }

  /**
   * The office removed this desktop: a peer said so, or the removal arrived
   * with the office data. It then stops trying (no rounds, no folder).
   */
  get removed(): boolean {
    return readMeta(this.db, 'removed_at') !== null || isRemovedDevice(this.db, { deviceId: this.services.deviceId });
  }

  /** Whether DNS-SD announcements and browsing run (off with HARBOR_SYNC_DISCOVERY=off or the device setting). */
  get discovering(): boolean {
    return this.bonjour !== null;
  }

  deviceName(): string {
    return readMeta(this.db, 'device_name') ?? hostname();
  }

  get port(): number | null {
    return this.server?.port ?? null;
  }

  get pairing(): PairingWindow | null {
    return this.server?.pairingWindow ?? null;
  }

  /** Starts the server, discovery and timers once this device belongs to an office. */
  async start(): Promise<void> {
    if (this.server || this.stopped || !this.enabled) return;
    // The office network by default; HARBOR_SYNC_HOST (or the device setting) narrows it, e.g. to 127.0.0.1.
    const host = this.listenHost();
    const wanted = Number(readMeta(this.db, 'port') ?? process.env.HARBOR_SYNC_PORT ?? DEFAULT_SYNC_PORT);
    const server = new SyncServer({
      ctx: this.services,
      events: this.services.events,
      host,
      port: wanted,
      deviceName: () => this.deviceName(),
    });
    this.server = server;
    try {
      await server.start();
    } catch {
      // The usual port is taken: any free one (peers learn it by discovery or from the status page).
      const fallback = new SyncServer({ ctx: this.services, events: this.services.events, host, port: 0, deviceName: () => this.deviceName() });
      this.server = fallback;
      await fallback.start();
    }
    // Received batches are applied in this worker thread from now on (apply.ts).
    startApplyWorker(this.services);
    this.state = 'idle';
    this.startedAs = this.identityKey();
    // Either switch turns multicast off: CI and offices whose network forbids it set the variable.
    if (process.env.HARBOR_SYNC_DISCOVERY !== 'off' && readMeta(this.db, 'discovery') !== 'off') this.startDiscovery();
    this.timer = setInterval(() => this.requestSync(0), this.options.intervalMs ?? 30_000);
    this.timer.unref();
    this.unsubscribe = this.services.events.on('data.changed', () => this.requestSync());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.unsubscribe?.();
    await this.stopDiscovery();
    await this.round?.catch(() => undefined);
    await this.server?.stop();
    this.server = null;
    await stopApplyWorker(this.services);
  }

  private identityKey(): string | null {
    const identity = officeIdentity(this.db, this.services.deviceId);
    return identity ? `${identity.officeId}|${identity.fingerprint}` : null;
  }

  /**
   * A restore swapped the database under the running service: the server
   * follows the sync identity now in it (another certificate, or none when
   * the copy predates the office: then sync is off).
   */
  private async followIdentity(): Promise<void> {
    if (!this.server || this.identityKey() === this.startedAs) return;
    await this.halt();
    await this.start();
  }

  /** Stops serving, discovery and the timers (not for good: `start` resumes). */
  private async halt(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.stopDiscovery();
    await server?.stop();
    this.state = 'off';
  }

  /**
   * Lets this desktop back into the office whose data it holds (removed, or
   * left by a restore): it pairs under a new identity (rejoin.ts), and sync
   * starts again under it.
   */
  async rejoin(target: { host: string; port: number; code: string; deviceName: string }): Promise<{ officeId: string; peerName: string; deviceId: string }> {
    await this.round?.catch(() => undefined);
    await this.halt();
    // The worker was started for the old identity; the next start runs a new one.
    await stopApplyWorker(this.services);
    this.lastError = null;
    try {
      const result = await rejoinOffice(this.services, target);
      return { officeId: result.officeId, peerName: result.peer.name, deviceId: result.deviceId };
    } finally {
      setImmediate(() => {
        void this.start().then(() => this.requestSync(0));
      });
    }
  }

  private async stopDiscovery(): Promise<void> {
    const b = this.bonjour;
    this.bonjour = null;
    if (b) await new Promise<void>((resolve) => b.unpublishAll(() => b.destroy(() => resolve())));
  }

  private startDiscovery(): void {
    const identity = officeIdentity(this.db, this.services.deviceId);
    if (!identity || !this.port) return;
    try {
      const bonjour = new Bonjour();
      this.bonjour = bonjour;
      bonjour.publish({
        name: `harbor-${this.services.deviceId}`,
        type: SERVICE_TYPE,
        port: this.port,
        txt: { device: this.services.deviceId, office: identity.officeId },
      });
      bonjour.find({ type: SERVICE_TYPE }, (service) => {
        const txt = (service.txt ?? {}) as Record<string, string>;
        if (txt.office !== identity.officeId || txt.device === this.services.deviceId) return;
        const ipv4 = (service.addresses ?? []).find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)) ?? service.referer?.address;
        if (!ipv4) return;
        const known = listPeers(this.db).find((p) => p.deviceId === txt.device);
        if (known && !this.db.inTransaction) notePeerContact(this.db, known.deviceId, { address: `${ipv4}:${service.port}` });
      });
    } catch {
      // Multicast unavailable: manual host:port still works.
      this.bonjour = null;
    }
  }

  private listenHost(): string {
    return readMeta(this.db, 'listen_host') ?? process.env.HARBOR_SYNC_HOST ?? '0.0.0.0';
  }

  /** Where other desktops can reach this one: the listening address, or every IPv4 address of the office network. */
  addresses(): string[] {
    const host = this.listenHost();
    if (host !== '0.0.0.0') return [host];
    return Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
  }

  /** Makes this device the office's first desktop (idempotent) and opens a pairing code. */
  async startPairing(): Promise<PairingWindow & { port: number; addresses: string[] }> {
    // A desktop the office removed admits nobody into it.
    if (this.removed) throw new HarborError('CONFLICT', 'sync.errors.device_removed');
    createOffice(this.db, this.services.deviceId);
    await this.start();
    if (!this.server) throw new HarborError('CONFLICT', 'sync.errors.no_office');
    return { ...this.server.openPairing(), port: this.server.port!, addresses: this.addresses() };
  }

  cancelPairing(): void {
    this.server?.cancelPairing();
  }

  /** Joins the office of the desktop at host:port; the first exchange follows in the background. */
  async join(target: { host: string; port: number; code: string; deviceName: string }): Promise<{ officeId: string; peerName: string }> {
    const result = await joinOffice(this.services, target);
    writeMeta(this.db, 'device_name', target.deviceName);
    setImmediate(() => {
      void this.start().then(() => this.requestSync(0));
    });
    return { officeId: result.officeId, peerName: result.peer.name };
  }

  /** Schedules a round (after `delayMs`, default a short debounce); never waits for it. */
  requestSync(delayMs = this.options.debounceMs ?? 1500): void {
    if (this.stopped || !this.enabled || this.removed) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.runRound();
    }, delayMs);
    this.debounce.unref();
  }

  /** One round with every reachable peer and the shared folder. Concurrent requests fold into one more round. */
  runRound(): Promise<void> {
    if (this.round) {
      this.again = true;
      return this.round;
    }
    this.round = this.doRound().finally(() => {
      this.round = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.runRound();
      }
    });
    return this.round;
  }

  private async doRound(): Promise<void> {
    await this.followIdentity();
    const identity = officeIdentity(this.db, this.services.deviceId);
    if (!identity) return;
    if (this.removed) {
      this.lastError = { messageKey: 'sync.errors.device_removed' };
      this.state = 'error';
      return;
    }
    this.state = 'syncing';
    // Office keys sealed to this desktop, and a new key when a removal calls for one (keys.ts).
    await whenIdle(this.services);
    maintainOfficeKeys(this.services);
    let reached = 0;
    let tried = 0;
    let problem: SyncProblem | null = null;
    for (const peer of listPeers(this.db)) {
      const target = parseAddress(peer.address);
      if (!target) continue;
      tried++;
      try {
        await syncWithPeer(this.services, peer, target, { events: this.services.events, batchSize: BACKGROUND_BATCH });
        reached++;
        await this.note(peer, { at: this.services.now(), error: null });
      } catch (error) {
        const p = problemOf(error);
        if (p.messageKey !== 'sync.errors.unreachable') problem = p;
        await this.note(peer, { error: p.messageKey });
        if (p.messageKey === 'sync.errors.device_removed') {
          // Told by a paired desktop (its certificate checked): remember it and stop trying anyone.
          await whenIdle(this.services);
          writeMeta(this.db, 'removed_at', String(this.services.now()));
          break;
        }
      }
    }
    if (this.removed) {
      this.lastError = { messageKey: 'sync.errors.device_removed' };
      this.state = 'error';
      return;
    }
    const folder = readMeta(this.db, 'folder');
    if (folder) {
      tried++;
      try {
        const report = await syncWithFolder(this.services, identity, folder, this.services.events);
        if (report.refused.length > 0) problem = { messageKey: report.refused[0]!.messageKey };
        reached++;
      } catch {
        problem = { messageKey: 'sync.errors.folder' };
      }
    }
    this.lastError = problem;
    if (reached > 0) this.lastSyncAt = this.services.now();
    await this.maybeCompact();
    this.state = problem ? 'error' : tried > 0 && reached === 0 ? 'offline' : 'idle';
  }

  /** At most hourly, in slices: compacts what every paired desktop has acknowledged. */
  private async maybeCompact(): Promise<void> {
    const now = this.services.now();
    if (now - this.lastCompactAt < 3_600_000) return;
    this.lastCompactAt = now;
    for (let i = 0; i < 20; i++) {
      await whenIdle(this.services);
      if (compactLog(this.services, { maxRows: 2000 }).rows < 2000) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async note(peer: PeerRow, fields: { at?: number; error: string | null }): Promise<void> {
    await whenIdle(this.services);
    notePeerContact(this.db, peer.deviceId, fields);
  }
}

// Keyed by the services object, which a restore keeps (it only swaps the connection inside).
const registry = new WeakMap<Services, SyncService>();

/** The sync service of a running core (one per core). */
export function syncServiceFor(services: Services): SyncService {
  let service = registry.get(services);
  if (!service) {
    service = new SyncService(services);
    registry.set(services, service);
  }
  return service;
}

/** For the app shell and browser mode at start-up: resumes background sync if this desktop belongs to an office. */
export async function startSync(services: Services): Promise<SyncService> {
  const service = syncServiceFor(services);
  await service.start();
  // Catch up with what the office did while this desktop was closed.
  service.requestSync(0);
  return service;
}
