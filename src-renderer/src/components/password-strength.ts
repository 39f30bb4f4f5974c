/** How strong a password looks: 0 empty, 1 too short or weak, up to 4 strong. */
import { PASSWORD_MIN } from '../../../src-shared/contract';

export type Strength = 0 | 1 | 2 | 3 | 4;

export function passwordStrength(password: string): Strength {
  if (password.length < PASSWORD_MIN) return password.length === 0 ? 0 : 1;
  let score = 1;
  if (password.length >= 12) score += 1;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes >= 3) score += 1;
  if (classes === 4 || (classes >= 3 && password.length >= 16)) score += 1;
  // Repeats and runs of one character weaken any password.
  if (/(.)\1{3,}/.test(password) || new Set(password).size < 5) score = Math.min(score, 2);
  return Math.min(score, 4) as Strength;
}
