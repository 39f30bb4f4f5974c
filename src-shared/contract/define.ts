import type { z } from 'zod';
import type { Permission } from '../permissions';

/**
 * Who may call a method:
 * - `public`: anyone, no session (setup, login, status);
 * - `authenticated`: any signed-in user, even with a locked session when `whileLocked`;
 * - a permission name: users whose role grants it.
 */
export type Access = 'public' | 'authenticated' | Permission;

export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  access: Access;
  /** Writes to the database: runs in a write transaction and is audited. */
  mutates: boolean;
  /** May be called while the session is locked (unlock, logout, me). */
  whileLocked?: boolean;
  /** One line for the API listing and the OpenAPI document. */
  summary: string;
}

export function method<I extends z.ZodType, O extends z.ZodType>(def: MethodDef<I, O>): MethodDef<I, O> {
  return def;
}
