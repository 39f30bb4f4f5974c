/**
 * Pairing a new desktop with a short code.
 *
 * The first desktop shows an 8-digit code, valid 10 minutes, good for one
 * attempt. The joining desktop connects over TLS; each side sees the other's
 * certificate. Both derive K = scrypt(code, "harbor-pair-v1|" + host cert
 * fingerprint + "|" + joiner cert fingerprint) (N = 2^15). The joiner proves
 * it knows the code with an HMAC under K of a fresh nonce and both
 * fingerprints; only then does the host answer, with its own HMAC (proving it
 * knows the code too) and the office id and key sealed with AES-256-GCM
 * under a key derived from K. Both sides then pin each other's certificate.
 *
 * Why this holds: the fingerprints are in K, so a machine in the middle
 * (which must present its own certificate to each side) ends up with two
 * different keys and cannot relay a valid proof; an online guess burns the
 * code (one attempt in 10^8). What remains: a machine in the middle can record
 * the joiner's proof and search the 10^8 codes offline; scrypt makes each
 * guess cost ~50 ms of CPU, so that search needs thousands of cores to finish
 * inside the 10-minute window, and the host accepts nothing once the code is
 * used or expired. A PAKE (SPAKE2) would remove even that; this is the
 * simple, explained variant.
 */
import { createHmac, randomInt, scrypt, timingSafeEqual } from 'node:crypto';

export const PAIRING_CODE_DIGITS = 8;
export const PAIRING_TTL_MS = 10 * 60 * 1000;

export interface PairingWindow {
  code: string;
  expiresAt: number;
}

export function newPairingWindow(now: number): PairingWindow {
  return { code: String(randomInt(0, 10 ** PAIRING_CODE_DIGITS)).padStart(PAIRING_CODE_DIGITS, '0'), expiresAt: now + PAIRING_TTL_MS };
}

export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

export function pairingKey(code: string, hostFingerprint: string, joinerFingerprint: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      normalizeCode(code),
      `harbor-pair-v1|${hostFingerprint}|${joinerFingerprint}`,
      32,
      { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** A sub-key of K for one purpose (`mac`, `seal`). */
export function subKey(key: Buffer, purpose: string): Buffer {
  return createHmac('sha256', key).update(`harbor-pair-v1|${purpose}`).digest();
}

export function proof(key: Buffer, ...parts: string[]): string {
  return createHmac('sha256', subKey(key, 'mac')).update(parts.join('|')).digest('hex');
}

export function proofMatches(key: Buffer, given: unknown, ...parts: string[]): boolean {
  if (typeof given !== 'string' || !/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(proof(key, ...parts), 'hex'));
}
