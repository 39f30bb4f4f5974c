/**
 * Desktop-to-desktop sync over mutually authenticated TLS. Both sides present
 * their self-signed device certificate; neither trusts a CA. The server admits
 * a connection only when the client's certificate fingerprint is pinned for an
 * active (paired, not removed) device; the client checks the server's
 * fingerprint against the pin of the device it meant to reach. The one
 * exception is a pairing attempt (see pairing.ts), allowed while a code is open.
 * A device the office removed (the synced `sync_removed_devices` list, by
 * device id or certificate) is refused on every message, pairing included,
 * and told why, so it stops trying; this desktop does not call it either.
 *
 * A sync round, client side: hello (schema check), pull the server's new
 * entries in batches (the client's cursor), then push the client's new entries
 * from the server's cursor for the client. Each batch is applied in one
 * transaction with its cursor on the receiving side.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { HarborError } from '../../../src-shared/errors';
import { SCHEMA_VERSION } from '../db/migrate';
import type { CoreEvents } from '../events';
import { localHello, logHead, notePeerLog, pullFrom, readBatch, whenIdle, type PeerHello, type SessionOptions, type SessionResult, type SyncChannel } from './exchange';
import { applyReceived } from './apply';
import { adoptOffice, deviceCertificate, FIRST_EPOCH, heldKeys, officeIdentity, open, readMeta, seal, type DeviceCertificate, type OfficeIdentity } from './identity';
import { getCursor, peerNewerError, resetCursor, setCursor, type SyncContext } from './merge';
import { newPairingWindow, pairingExchange, subKey, type PairingWindow } from './pairing';
import { confirmationMatches } from './pake';
import { activePeerByFingerprint, addPeer, isRemovedDevice, notePeerContact, removedPeerByFingerprint, type PeerRow } from './peers';
import { batchSchema, DEFAULT_BATCH_SIZE, PROTOCOL_VERSION, type Batch } from './protocol';
import { FramedSocket, type Message } from './wire';

const MAX_PULL = 5000;

function fingerprintOfX509(cert: X509Certificate | undefined): string | null {
  return cert ? createHash('sha256').update(cert.raw).digest('hex') : null;
}

function errorMessage(error: unknown): Message {
  if (error instanceof HarborError) return { t: 'error', messageKey: error.messageKey, params: error.params };
  return { t: 'error', messageKey: 'errors.INTERNAL' };
}

export interface SyncServerOptions {
  ctx: SyncContext;
  events?: CoreEvents;
  /** Address to listen on: `127.0.0.1` in tests, the LAN in the desktop app. */
  host: string;
  port: number;
  deviceName: () => string;
  /** Called after a device paired with this one, and after each served exchange. */
  onPeerChange?: () => void;
}

export class SyncServer {
  private server: Server | null = null;
  private pairing: PairingWindow | null = null;
  private readonly sockets = new Set<TLSSocket>();

  constructor(private readonly options: SyncServerOptions) {}

  get port(): number | null {
    return this.server ? (this.server.address() as AddressInfo).port : null;
  }

  async start(): Promise<number> {
    const { ctx } = this.options;
    const identity = officeIdentity(ctx.db, ctx.deviceId);
    if (!identity) throw new HarborError('CONFLICT', 'sync.errors.no_office');
    const server = createServer({
      key: identity.keyPem,
      cert: identity.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
    });
    server.on('secureConnection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      void this.serve(socket, identity).catch(() => socket.destroy());
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.server = server;
    return this.port!;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Opens a pairing window and returns its code (replacing any earlier one). */
  openPairing(): PairingWindow {
    this.pairing = newPairingWindow(this.options.ctx.now());
    return this.pairing;
  }

  cancelPairing(): void {
    this.pairing = null;
  }

  get pairingWindow(): PairingWindow | null {
    if (this.pairing && this.pairing.expiresAt <= this.options.ctx.now()) this.pairing = null;
    return this.pairing;
  }

  private async serve(socket: TLSSocket, identity: OfficeIdentity): Promise<void> {
    const { ctx } = this.options;
    const framed = new FramedSocket(socket);
    const fingerprint = fingerprintOfX509(socket.getPeerX509Certificate());
    if (!fingerprint) {
      socket.destroy();
      return;
    }
    for (;;) {
      const msg = await framed.next(120_000);
      if (msg.t === 'bye') {
        framed.close();
        return;
      }
      if (removedPeerByFingerprint(ctx.db, fingerprint)) {
        framed.send({ t: 'error', messageKey: 'sync.errors.device_removed' });
        framed.close();
        return;
      }
      if (msg.t === 'pair') {
        framed.send(await this.pair(msg, framed, socket, fingerprint, identity).catch(errorMessage));
        framed.close();
        return;
      }
      const peer = activePeerByFingerprint(ctx.db, fingerprint);
      if (!peer) {
        framed.send({ t: 'error', messageKey: 'sync.errors.not_paired' });
        framed.close();
        return;
      }
      try {
        framed.send(await this.handle(msg, peer));
      } catch (error) {
        framed.send(errorMessage(error));
      }
    }
  }

  private async handle(msg: Message, peer: PeerRow): Promise<Message> {
    const { ctx } = this.options;
    // Never read or write while a call is half-way through its transaction on this connection.
    await whenIdle(ctx);
    switch (msg.t) {
      case 'hello': {
        const theirs = Number(msg.schemaVersion);
        // The client's log was replaced (restored): its pushes are taken again from the start, and it is told so.
        const reread = notePeerLog(ctx, peer.deviceId, msg.log);
        notePeerContact(ctx.db, peer.deviceId, {
          at: ctx.now(),
          schemaVersion: theirs,
          error: theirs < SCHEMA_VERSION ? 'sync.errors.peer_older' : theirs > SCHEMA_VERSION ? 'sync.errors.peer_newer' : null,
        });
        this.options.onPeerChange?.();
        return { t: 'hello', ...localHello(ctx), head: logHead(ctx), reread };
      }
      case 'pull': {
        const after = Number(msg.after);
        const limit = Math.min(Math.max(1, Number(msg.limit) || DEFAULT_BATCH_SIZE), MAX_PULL);
        if (!Number.isSafeInteger(after) || after < 0) throw new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch');
        // The peer asks for what follows `after`: it holds everything up to there.
        setCursor(ctx.db, `ack:${peer.deviceId}`, after, ctx.now());
        // Normally a device is not sent its own entries; one restored from a backup asks for them back.
        return { t: 'batch', batch: readBatch(ctx, after, limit, msg.includeOwn === true ? undefined : peer.deviceId) };
      }
      case 'cursor': {
        // The client reports how far it has applied this device's log.
        const have = Number(msg.have);
        if (Number.isSafeInteger(have) && have > 0) setCursor(ctx.db, `ack:${peer.deviceId}`, have, ctx.now());
        return { t: 'cursor', cursor: getCursor(ctx.db, `peer:${peer.deviceId}`) };
      }
      case 'push': {
        const parsed = batchSchema.safeParse(msg.batch);
        if (!parsed.success || parsed.data.from !== peer.deviceId) throw new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch');
        const batch = parsed.data;
        if (batch.schemaVersion > SCHEMA_VERSION) {
          notePeerContact(ctx.db, peer.deviceId, { error: 'sync.errors.peer_newer', schemaVersion: batch.schemaVersion });
          throw new HarborError('CONFLICT', 'sync.errors.peer_older', { peer: SCHEMA_VERSION, local: batch.schemaVersion });
        }
        const source = `peer:${peer.deviceId}`;
        // The client's log was restored from a backup and is sent again from the start.
        if (msg.restart === true && batch.start === 0) resetCursor(ctx.db, source);
        if (batch.start !== getCursor(ctx.db, source)) throw new HarborError('CONFLICT', 'sync.errors.out_of_order');
        let result;
        try {
          // In the sync worker while the sync service runs; the cursor moves with the batch.
          result = await applyReceived(ctx, batch, { name: source, cursor: batch.end, from: batch.start });
        } catch (error) {
          // Seen from the client, it is its own clock that is ahead.
          if (error instanceof HarborError && error.messageKey === 'sync.errors.clock_ahead') {
            throw new HarborError('CONFLICT', 'sync.errors.own_clock_ahead', error.params);
          }
          throw error;
        }
        if (result.tables.length > 0) this.options.events?.emit('data.changed', { tables: result.tables });
        notePeerContact(ctx.db, peer.deviceId, { at: ctx.now() });
        this.options.onPeerChange?.();
        return { t: 'pushed', applied: result.applied, conflicts: result.conflicts };
      }
      default:
        throw new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch');
    }
  }

  /** The host's side of a pairing (see pairing.ts): SPAKE2, the joiner's confirmation, then the office key. */
  private async pair(msg: Message, framed: FramedSocket, socket: TLSSocket, joinerFp: string, identity: OfficeIdentity): Promise<Message> {
    const { ctx } = this.options;
    const window = this.pairingWindow;
    // One attempt per code, right or wrong.
    this.pairing = null;
    if (!window) throw new HarborError('CONFLICT', 'sync.errors.pairing_closed');
    // A desktop the office removed (it learned so) admits nobody into it, even with a code it had opened.
    if (readMeta(ctx.db, 'removed_at') !== null || isRemovedDevice(ctx.db, { deviceId: ctx.deviceId })) {
      throw new HarborError('CONFLICT', 'sync.errors.peer_removed');
    }
    const deviceId = String(msg.deviceId ?? '');
    const name = String(msg.name ?? '').slice(0, 100);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(deviceId)) throw new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch');
    // A joiner of an earlier version (its message has no SPAKE2 share) is told to update.
    if (typeof msg.pA !== 'string') throw new HarborError('CONFLICT', 'sync.errors.protocol');
    if (!/^04[0-9a-f]{128}$/.test(msg.pA)) throw new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch');
    const exchange = pairingExchange('B', window.code, { hostFingerprint: identity.fingerprint, joinerFingerprint: joinerFp, joinerDeviceId: deviceId });
    let keys;
    try {
      keys = exchange.finish(Buffer.from(msg.pA, 'hex'));
    } catch {
      throw new HarborError('VALIDATION_ERROR', 'sync.errors.bad_batch');
    }
    framed.send({ t: 'pake', pB: exchange.share.toString('hex'), confirm: keys.ownConfirmation.toString('hex') });
    const answer = await framed.next(60_000);
    if (answer.t !== 'confirm' || !confirmationMatches(keys.peerConfirmation, answer.confirm)) {
      throw new HarborError('CONFLICT', 'sync.errors.pairing_code_wrong');
    }
    // A removed device does not come back with a new code under its old id.
    if (isRemovedDevice(ctx.db, { deviceId, fingerprint: joinerFp })) throw new HarborError('CONFLICT', 'sync.errors.device_removed');
    const cert = socket.getPeerX509Certificate()!;
    await whenIdle(ctx);
    addPeer(ctx.db, { deviceId, name: name || deviceId, fingerprint: joinerFp, certPem: cert.toString(), address: null }, ctx.now());
    this.options.onPeerChange?.();
    return {
      t: 'paired',
      deviceId: ctx.deviceId,
      name: this.options.deviceName(),
      officeId: identity.officeId,
      sealedKey: seal(subKey(keys.ke, 'seal'), identity.officeKey, sealedKeyAad(identity.officeId, identity.fingerprint, joinerFp)).toString('base64'),
      // The keys of later epochs (made after removals, keys.ts), sealed the same way.
      sealedKeys: seal(subKey(keys.ke, 'seal'), Buffer.from(JSON.stringify(laterKeys(heldKeys(ctx.db)))), laterKeysAad(identity.officeId, identity.fingerprint, joinerFp)).toString('base64'),
    };
  }
}

/** What the office key is sealed to: this office, between these two certificates. */
function sealedKeyAad(officeId: string, hostFp: string, joinerFp: string): string {
  return `harbor-pair-key|${officeId}|${hostFp}|${joinerFp}`;
}

function laterKeysAad(officeId: string, hostFp: string, joinerFp: string): string {
  return `harbor-pair-keys|${officeId}|${hostFp}|${joinerFp}`;
}

/** Keys of epochs after the first, as `{ epoch: hex }`. */
function laterKeys(keys: Map<string, Buffer>): Record<string, string> {
  return Object.fromEntries([...keys].filter(([epoch]) => epoch !== FIRST_EPOCH).map(([epoch, key]) => [epoch, key.toString('hex')]));
}

/** The later keys a host sent (none from a host of an earlier version); a pairing whose keys do not open fails. */
function openLaterKeys(key: Buffer, sealed: unknown, aad: string): Map<string, Buffer> {
  if (sealed === undefined) return new Map();
  const plain = open(key, Buffer.from(String(sealed), 'base64'), aad);
  if (!plain) throw new HarborError('CONFLICT', 'sync.errors.pairing_code_wrong');
  const keys = new Map<string, Buffer>();
  for (const [epoch, hex] of Object.entries(JSON.parse(plain.toString('utf8')) as Record<string, string>)) {
    if (/^\d{15}\.\d{6}\.[A-Za-z0-9_-]{1,64}$/.test(epoch) && /^[0-9a-f]{64}$/.test(hex)) keys.set(epoch, Buffer.from(hex, 'hex'));
  }
  return keys;
}

interface Connection {
  framed: FramedSocket;
  serverFingerprint: string;
  serverCertPem: string;
}

export function connectTls(
  ctx: SyncContext,
  host: string,
  port: number,
  timeoutMs = 10_000,
  cert: DeviceCertificate = deviceCertificate(ctx.db, ctx.deviceId),
): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      key: cert.keyPem,
      cert: cert.certPem,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
      // Identity is the pinned fingerprint, not a host name.
      checkServerIdentity: () => undefined,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new HarborError('CONFLICT', 'sync.errors.unreachable'));
    }, timeoutMs);
    socket.once('error', () => {
      clearTimeout(timer);
      reject(new HarborError('CONFLICT', 'sync.errors.unreachable'));
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const x509 = socket.getPeerX509Certificate();
      const fingerprint = fingerprintOfX509(x509);
      if (!x509 || !fingerprint) {
        socket.destroy();
        reject(new HarborError('CONFLICT', 'sync.errors.peer_identity'));
        return;
      }
      resolve({ framed: new FramedSocket(socket), serverFingerprint: fingerprint, serverCertPem: x509.toString() });
    });
  });
}

export interface JoinResult {
  officeId: string;
  peer: { deviceId: string; name: string };
}

/** What a successful pairing brings the joining desktop. */
export interface Paired {
  officeId: string;
  officeKey: Buffer;
  /** Keys of later epochs (keys.ts). */
  laterKeys: Map<string, Buffer>;
  host: Pick<PeerRow, 'deviceId' | 'name' | 'fingerprint' | 'certPem' | 'address'>;
}

/**
 * The joining side of a pairing: proves the code, receives the office key,
 * checks the host. `as` pairs under an identity other than this desktop's
 * current one (a desktop let back in, see rejoin.ts). Changes nothing here.
 */
export async function pairWithHost(
  ctx: SyncContext,
  target: { host: string; port: number; code: string; deviceName: string },
  as: { deviceId: string; cert: DeviceCertificate } = { deviceId: ctx.deviceId, cert: deviceCertificate(ctx.db, ctx.deviceId) },
): Promise<Paired> {
  const own = as.cert;
  const conn = await connectTls(ctx, target.host, target.port, undefined, own);
  try {
    const exchange = pairingExchange('A', target.code, { hostFingerprint: conn.serverFingerprint, joinerFingerprint: own.fingerprint, joinerDeviceId: as.deviceId });
    const pake = await conn.framed.request({ t: 'pair', deviceId: as.deviceId, name: target.deviceName, pA: exchange.share.toString('hex') });
    if (pake.t !== 'pake' || typeof pake.pB !== 'string' || !/^04[0-9a-f]{128}$/.test(pake.pB)) throw new HarborError('CONFLICT', 'sync.errors.pairing_code_wrong');
    let keys;
    try {
      keys = exchange.finish(Buffer.from(pake.pB, 'hex'));
    } catch {
      throw new HarborError('CONFLICT', 'sync.errors.pairing_code_wrong');
    }
    // The other side proves it knows the code before this desktop says anything more.
    if (!confirmationMatches(keys.peerConfirmation, pake.confirm)) throw new HarborError('CONFLICT', 'sync.errors.pairing_code_wrong');
    const answer = await conn.framed.request({ t: 'confirm', confirm: keys.ownConfirmation.toString('hex') });
    const hostId = String(answer.deviceId ?? '');
    const officeId = String(answer.officeId ?? '');
    if (answer.t !== 'paired' || !/^[A-Za-z0-9_-]{1,64}$/.test(hostId)) throw new HarborError('CONFLICT', 'sync.errors.pairing_code_wrong');
    const aad = sealedKeyAad(officeId, conn.serverFingerprint, own.fingerprint);
    const officeKey = open(subKey(keys.ke, 'seal'), Buffer.from(String(answer.sealedKey ?? ''), 'base64'), aad);
    if (!officeKey || officeKey.length !== 32) throw new HarborError('CONFLICT', 'sync.errors.pairing_code_wrong');
    const later = openLaterKeys(subKey(keys.ke, 'seal'), answer.sealedKeys, laterKeysAad(officeId, conn.serverFingerprint, own.fingerprint));
    if (isRemovedDevice(ctx.db, { deviceId: hostId, fingerprint: conn.serverFingerprint })) throw new HarborError('CONFLICT', 'sync.errors.peer_removed');
    const name = String(answer.name ?? hostId).slice(0, 100);
    return {
      officeId,
      officeKey,
      laterKeys: later,
      host: { deviceId: hostId, name, fingerprint: conn.serverFingerprint, certPem: conn.serverCertPem, address: `${target.host}:${target.port}` },
    };
  } finally {
    conn.framed.close();
  }
}

/** The joining desktop: pairs with the host, then takes the office and pins the host. */
export async function joinOffice(ctx: SyncContext, target: { host: string; port: number; code: string; deviceName: string }): Promise<JoinResult> {
  const paired = await pairWithHost(ctx, target);
  const existing = officeIdentity(ctx.db, ctx.deviceId);
  if (existing && existing.officeId !== paired.officeId) throw new HarborError('CONFLICT', 'sync.errors.other_office');
  ctx.db.transaction(() => {
    adoptOffice(ctx.db, paired.officeId, paired.officeKey, paired.laterKeys);
    addPeer(ctx.db, paired.host, ctx.now());
  })();
  return { officeId: paired.officeId, peer: { deviceId: paired.host.deviceId, name: paired.host.name } };
}

export interface PeerSyncResult {
  pulled: SessionResult;
  pushed: number;
}

/** One full exchange with a paired device at `host:port`: pull, then push. */
export async function syncWithPeer(
  ctx: SyncContext,
  peer: Pick<PeerRow, 'deviceId' | 'fingerprint'>,
  target: { host: string; port: number },
  options: { batchSize?: number; events?: CoreEvents; onBatch?: SessionOptions['onBatch'] } = {},
): Promise<PeerSyncResult> {
  if (isRemovedDevice(ctx.db, peer)) throw new HarborError('CONFLICT', 'sync.errors.peer_removed');
  const conn = await connectTls(ctx, target.host, target.port);
  try {
    if (conn.serverFingerprint !== peer.fingerprint) throw new HarborError('CONFLICT', 'sync.errors.peer_identity');
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const source = `peer:${peer.deviceId}`;
    const answer = await conn.framed.request({ t: 'hello', ...localHello(ctx) });
    const hello: PeerHello = { protocol: Number(answer.protocol), deviceId: String(answer.deviceId), schemaVersion: Number(answer.schemaVersion) };
    if (hello.deviceId !== peer.deviceId) throw new HarborError('CONFLICT', 'sync.errors.peer_identity');
    if (hello.protocol !== PROTOCOL_VERSION) throw new HarborError('CONFLICT', 'sync.errors.protocol');
    // Logs that went backwards were restored from a backup. The peer's: read it again from the start.
    // This desktop's (the peer has read further than it now reaches): send it again from the start, and
    // take back this desktop's own entries that the restore lost. Entries already present are skipped.
    // The same after any restore, told by the log ids: each side reads the other's replaced log from the start.
    await whenIdle(ctx);
    notePeerLog(ctx, peer.deviceId, answer.log);
    let cursor = Number((await conn.framed.request({ t: 'cursor', have: getCursor(ctx.db, source) })).cursor);
    await whenIdle(ctx);
    if (Number(answer.head) < getCursor(ctx.db, source)) resetCursor(ctx.db, source);
    let restart = cursor > logHead(ctx);
    if (restart) cursor = 0;
    const includeOwn = restart || answer.reread === true;
    const pull: SyncChannel['pull'] = async (after, limit) =>
      (await conn.framed.request({ t: 'pull', after, limit, includeOwn })).batch as Batch;
    // A newer peer's changes wait until this desktop is updated; this desktop's own changes still go
    // to it (the newer side understands older ones), so nothing is stuck here meanwhile.
    const peerIsNewer = hello.schemaVersion > SCHEMA_VERSION;
    const pulled: SessionResult = peerIsNewer
      ? { peer: hello, batches: 0, applied: 0, duplicates: 0, conflicts: 0 }
      : await pullFrom(ctx, { hello: () => Promise.resolve(hello), pull }, { batchSize, events: options.events, onBatch: options.onBatch });
    // Tells the peer how far this desktop has now read its log (its "not yet received" count).
    await conn.framed.request({ t: 'cursor', have: getCursor(ctx.db, source) });
    let pushed = 0;
    for (;;) {
      await whenIdle(ctx);
      const batch = readBatch(ctx, cursor, batchSize, peer.deviceId);
      if (batch.end === cursor) break;
      await conn.framed.request({ t: 'push', batch, restart });
      restart = false;
      pushed += batch.entries.length;
      cursor = batch.end;
      await whenIdle(ctx);
      setCursor(ctx.db, `ack:${peer.deviceId}`, cursor, ctx.now());
      if (!batch.more) break;
    }
    conn.framed.send({ t: 'bye' });
    if (peerIsNewer) throw peerNewerError(hello.schemaVersion);
    return { pulled, pushed };
  } finally {
    conn.framed.close();
  }
}
