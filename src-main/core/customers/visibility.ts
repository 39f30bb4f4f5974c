/**
 * Record-level rule for customers: roles with `customers.readAll` see every
 * record; others (sales reps) see records they own and unowned ones.
 */
import { HarborError } from '../../../src-shared/errors';
import { roleHas, type Role } from '../../../src-shared/permissions';
import type { CallContext } from '../rpc/context';

export function seesAll(ctx: CallContext): boolean {
  return roleHas(ctx.session!.user.role as Role, 'customers.readAll');
}

/** SQL condition (with `alias.owner_id`) and its parameters limiting rows to what the caller may see. */
export function visibleClause(ctx: CallContext, alias: string): { sql: string; params: unknown[] } {
  if (seesAll(ctx)) return { sql: '1', params: [] };
  return { sql: `(${alias}.owner_id IS NULL OR ${alias}.owner_id = ?)`, params: [ctx.session!.user.id] };
}

export function assertVisible(ctx: CallContext, ownerId: string | null): void {
  if (!seesAll(ctx) && ownerId !== null && ownerId !== ctx.session!.user.id) throw new HarborError('NOT_FOUND');
}
