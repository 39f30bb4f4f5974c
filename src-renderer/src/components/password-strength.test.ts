import { describe, expect, it } from 'vitest';
import { PASSWORD_MIN } from '../../../src-shared/contract';
import { passwordStrength } from './password-strength';

describe('passwordStrength', () => {
  it('is 0 for nothing and 1 below the minimum length, whatever the characters', () => {
    expect(passwordStrength('')).toBe(0);
    expect(passwordStrength('Aa1!'.repeat(2).slice(0, PASSWORD_MIN - 1))).toBe(1);
  });

  it('rises with length and character variety', () => {
    expect(passwordStrength('abcdefgh')).toBe(1);
    expect(passwordStrength('abcdefghijkl')).toBe(2);
    expect(passwordStrength('Abcdefgh1')).toBe(2);
    expect(passwordStrength('Abcdefghijk1')).toBe(3);
    expect(passwordStrength('Harbor-Setup-2024!')).toBe(4);
  });

  it('caps repeated characters at fair', () => {
    expect(passwordStrength('aaaaaaaaaaaaaaaa1A!')).toBeLessThanOrEqual(2);
    expect(passwordStrength('Ab1!Ab1!Ab1!Ab1!')).toBeLessThanOrEqual(2);
  });
});
