import { z } from 'zod';
import { PERMISSIONS, ROLES } from '../permissions';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export const languageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof languageSchema>;

export const CURRENCIES = ['CNY', 'USD', 'EUR', 'HKD', 'TWD', 'JPY', 'GBP', 'SGD', 'AUD', 'CAD'] as const;
export const currencySchema = z.enum(CURRENCIES);
export type Currency = z.infer<typeof currencySchema>;

export const idSchema = z.uuid();
export const roleSchema = z.enum(ROLES);
export const permissionSchema = z.enum(PERMISSIONS);
export const themeSchema = z.enum(['light', 'dark', 'auto']);

/** Trimmed text with bounds; empty strings are rejected by `min(1)`. */
export const text = (max: number, min = 1) => z.string().trim().min(min).max(max);

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(3)
  .max(32)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'validation.username_format' });

export const PASSWORD_MIN = 8;
export const passwordSchema = z.string().min(PASSWORD_MIN).max(256);

export const emptyInput = z.object({}).strict();
export const okOutput = z.object({ ok: z.literal(true) });
