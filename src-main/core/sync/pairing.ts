/**
 * Pairing a new desktop with a short code, by SPAKE2 (pake.ts, RFC 9382).
 *
 * The first desktop (the host) shows an 8-digit code, valid 10 minutes, good
 * for one attempt. The joining desktop connects over TLS; each side sees the
 * other's certificate. Both run SPAKE2 with w derived from the code, and the
 * two certificate fingerprints (and the joiner's device id) as the
 * identities in the transcript:
 *
 *   joiner -> host   pair     { deviceId, name, pA }
 *   host   -> joiner pake     { pB, confirmation of B }   (the code is used up here)
 *   joiner -> host   confirm  { confirmation of A }       (only if B's was right)
 *   host   -> joiner paired   { office id, office key sealed under Ke, ... }
 *
 * Why this holds: the messages reveal nothing about the code to someone who
 * records them, so there is nothing to guess offline. A machine in the
 * middle must run SPAKE2 itself with each side (it presents its own
 * certificate, so the identities differ from the real ones); without the code
 * it gets one guess, one in 10^8, and a wrong guess burns the code. Each side
 * sends nothing secret before it has seen the other's confirmation: the host
 * seals the office key only after the joiner's, under the shared key Ke.
 */
import { createHmac, randomInt } from 'node:crypto';
import { passwordScalar, Spake2, type Spake2Role } from './pake';

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

/** One side's SPAKE2 for a pairing: A is the joiner, B the host; the identities bind both certificates. */
export function pairingExchange(
  role: Spake2Role,
  code: string,
  parties: { hostFingerprint: string; joinerFingerprint: string; joinerDeviceId: string },
): Spake2 {
  return new Spake2(role, passwordScalar('harbor-pair-v2', normalizeCode(code)), {
    a: `harbor-joiner|${parties.joinerFingerprint}|${parties.joinerDeviceId}`,
    b: `harbor-host|${parties.hostFingerprint}`,
  });
}

/** A key for one purpose (`seal`) from the pairing's shared key. */
export function subKey(key: Buffer, purpose: string): Buffer {
  return createHmac('sha256', key).update(`harbor-pair-v2|${purpose}`).digest();
}
