/**
 * SPAKE2 (RFC 9382), ciphersuite SPAKE2-P256-SHA256-HKDF-HMAC: two parties
 * that share a short secret (the pairing code) derive a strong shared key,
 * and someone who records or relays the exchange learns nothing that would
 * let them test guesses of the secret offline. Each run allows an active
 * attacker exactly one online guess, and a pairing code allows one run.
 *
 * Group arithmetic on P-256 comes from @noble/curves (audited); the rest
 * (messages, transcript, key schedule, confirmation) follows the RFC and is
 * checked against its published test vectors (tests/unit/sync/pake.test.ts).
 *
 *   A: pA = x*P + w*M          B: pB = y*P + w*N
 *   A: K = x*(pB - w*N)        B: K = y*(pA - w*M)
 *   TT = len(A)||A || len(B)||B || len(pA)||pA || len(pB)||pB || len(K)||K || len(w)||w
 *   Ke || Ka = SHA-256(TT);  KcA || KcB = HKDF(salt nil, Ka, "ConfirmationKeys" || AAD)
 *   confirmations: HMAC(KcA, TT) from A, HMAC(KcB, TT) from B
 * (len: 8-byte little-endian; points uncompressed; w 32 bytes big-endian.)
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';

const Point = p256.Point;
type P256Point = InstanceType<typeof Point>;
const ORDER = Point.Fn.ORDER;

/** The RFC's fixed points for P-256 (SEC1 compressed). */
const M = Point.fromHex('02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f');
const N = Point.fromHex('03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49');

export type Spake2Role = 'A' | 'B';

export interface Spake2Keys {
  /** The shared secret (16 bytes). */
  ke: Buffer;
  /** The confirmation this side sends, and the one it expects. */
  ownConfirmation: Buffer;
  peerConfirmation: Buffer;
}

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}

function scalarBytes(n: bigint): Buffer {
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
}

function withLength(bytes: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([len, bytes]);
}

/** A uniformly random scalar in [1, order). */
function randomScalar(): bigint {
  for (;;) {
    // 64 extra bits make the reduction's bias negligible.
    const n = toBigInt(randomBytes(40)) % ORDER;
    if (n !== 0n) return n;
  }
}

/** The password scalar w from a secret: SHA-512 of it (with a context label), reduced mod the group order. */
export function passwordScalar(context: string, secret: string): bigint {
  const w = toBigInt(createHash('sha512').update(`${context}\u0000${secret}`).digest()) % ORDER;
  return w === 0n ? 1n : w;
}

export class Spake2 {
  private readonly random: bigint;
  /** This side's message (65 bytes, an uncompressed point). */
  readonly share: Buffer;

  constructor(
    private readonly role: Spake2Role,
    private readonly w: bigint,
    private readonly identities: { a: string; b: string },
    private readonly aad = '',
    random?: bigint,
  ) {
    this.random = random ?? randomScalar();
    const blind = (role === 'A' ? M : N).multiply(w);
    this.share = Buffer.from(Point.BASE.multiply(this.random).add(blind).toBytes(false));
  }

  /**
   * Takes the other side's message and returns the keys. Throws on a
   * message that is not a point of the group (or is the identity).
   */
  finish(peerShare: Uint8Array): Spake2Keys {
    let peer: P256Point;
    try {
      peer = Point.fromHex(Buffer.from(peerShare).toString('hex'));
      peer.assertValidity();
    } catch {
      throw new Error('SPAKE2: invalid peer message');
    }
    if (peer.is0()) throw new Error('SPAKE2: invalid peer message');
    const unblind = (this.role === 'A' ? N : M).multiply(this.w);
    const k = peer.subtract(unblind).multiply(this.random);
    if (k.is0()) throw new Error('SPAKE2: invalid peer message');
    const [pA, pB] = this.role === 'A' ? [this.share, peerShare] : [peerShare, this.share];
    const tt = Buffer.concat([
      withLength(Buffer.from(this.identities.a)),
      withLength(Buffer.from(this.identities.b)),
      withLength(pA),
      withLength(pB),
      withLength(k.toBytes(false)),
      withLength(scalarBytes(this.w)),
    ]);
    const hashed = createHash('sha256').update(tt).digest();
    const ke = hashed.subarray(0, 16);
    const ka = hashed.subarray(16);
    const kc = Buffer.from(hkdfSync('sha256', ka, Buffer.alloc(0), Buffer.from(`ConfirmationKeys${this.aad}`), 32));
    const confirmA = createHmac('sha256', kc.subarray(0, 16)).update(tt).digest();
    const confirmB = createHmac('sha256', kc.subarray(16)).update(tt).digest();
    return {
      ke: Buffer.from(ke),
      ownConfirmation: this.role === 'A' ? confirmA : confirmB,
      peerConfirmation: this.role === 'A' ? confirmB : confirmA,
    };
  }
}

/** Constant-time check of a confirmation received from the other side. */
export function confirmationMatches(expected: Buffer, given: unknown): boolean {
  if (typeof given !== 'string' || !/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}
