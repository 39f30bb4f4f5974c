/**
 * The one path into the core, shared by Electron IPC, HTTP and the CLI:
 * validate input -> resolve the session -> check permission -> run in a
 * transaction -> write the audit entry (the handler's writes already logged
 * their changes) -> commit -> validate the output -> notify.
 */
import type { z } from 'zod';
import { isMethodName, methods, type MethodName, type MethodOutput } from '../../../src-shared/contract';
import { HarborError, type ApiError, type Result } from '../../../src-shared/errors';
import { roleHas } from '../../../src-shared/permissions';
import { appendAudit } from '../auth/audit';
import { resolveSession } from '../auth/sessions';
import { Writer } from '../db/writer';
import { readSettings } from '../system/settings';
import type { ActiveSession, CallContext, Handlers, Origin, Services } from './context';
import { FailAfterCommit, zodFieldErrors } from './errors';

export interface CallOptions {
  token?: string | null;
  origin: Origin;
}

/** Runs async work one call at a time: the connection holds one transaction at once. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class Dispatcher {
  private readonly serial = new Serial();

  constructor(
    private readonly services: Services,
    private readonly handlers: Handlers,
  ) {}

  /**
   * Runs `fn` between calls, after every call already queued, with no
   * transaction open: for work that must not interleave with a call, such as
   * a restore swapping the database file or a background job's bookkeeping.
   */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.serial.run(async () => fn());
  }

  async call<M extends MethodName>(method: M, rawInput: unknown, options: CallOptions): Promise<Result<MethodOutput<M>>>;
  async call(method: string, rawInput: unknown, options: CallOptions): Promise<Result<unknown>>;
  async call(method: string, rawInput: unknown, options: CallOptions): Promise<Result<unknown>> {
    if (!isMethodName(method)) return fail(new HarborError('UNKNOWN_METHOD'));
    const def = methods[method];
    const parsed = (def.input as z.ZodType).safeParse(rawInput ?? {}, { reportInput: true });
    if (!parsed.success) {
      return fail(new HarborError('VALIDATION_ERROR', 'errors.VALIDATION_ERROR', undefined, zodFieldErrors(parsed.error)));
    }
    return this.serial.run(() => this.run(method, parsed.data, options));
  }

  private async run(method: MethodName, input: unknown, options: CallOptions): Promise<Result<unknown>> {
    const { db, now } = this.services;
    const def = methods[method];
    let session: ActiveSession | null = null;
    if (options.token) {
      session = db.transaction(() =>
        resolveSession(db, options.token!, now(), readSettings(db).idleLockMinutes),
      )();
    }
    if (def.access !== 'public') {
      if (!session) return fail(new HarborError('UNAUTHENTICATED'));
      if (session.locked && !def.whileLocked) return fail(new HarborError('SESSION_LOCKED'));
      if (def.access !== 'authenticated' && !roleHas(session.user.role as never, def.access)) {
        this.auditOutside(method, session, 'denied');
        return fail(new HarborError('FORBIDDEN'));
      }
    }

    const ctx: CallContext = {
      services: this.services,
      db,
      orm: this.services.orm,
      session,
      origin: options.origin,
      write: new Writer({
        db,
        clock: this.services.clock,
        deviceId: this.services.deviceId,
        actorId: session?.user.id ?? null,
        now,
      }),
      audit: {},
    };

    db.exec(def.mutates ? 'BEGIN IMMEDIATE' : 'BEGIN');
    let output: unknown;
    try {
      const raw = await this.handlers[method](input as never, ctx);
      const checked = (def.output as z.ZodType).safeParse(raw);
      if (!checked.success) {
        console.error(`[harbor] ${method} returned output that does not match its schema`, checked.error.issues);
        throw new HarborError('INTERNAL');
      }
      output = checked.data;
      if (def.mutates) this.audit(ctx, method, 'ok');
      db.exec('COMMIT');
    } catch (error) {
      if (error instanceof FailAfterCommit) {
        this.audit(ctx, method, 'failed');
        db.exec('COMMIT');
        return fail(error.error);
      }
      if (db.inTransaction) db.exec('ROLLBACK');
      if (error instanceof HarborError) return fail(error);
      console.error(`[harbor] ${method} failed:`, error instanceof Error ? error.message : String(error));
      return fail(new HarborError('INTERNAL'));
    }
    if (ctx.write.touched.size > 0) {
      this.services.events.emit('data.changed', { tables: [...ctx.write.touched] });
    }
    return { ok: true, value: output };
  }

  private audit(ctx: CallContext, action: string, outcome: 'ok' | 'denied' | 'failed'): void {
    appendAudit(ctx.db, {
      at: this.services.now(),
      deviceId: this.services.deviceId,
      userId: ctx.audit.userId ?? ctx.session?.user.id ?? null,
      username: ctx.audit.username ?? ctx.session?.user.username ?? null,
      action,
      outcome,
      target: ctx.audit.target ?? null,
      detail: ctx.audit.detail ?? null,
    });
  }

  private auditOutside(action: string, session: ActiveSession, outcome: 'denied'): void {
    const { db } = this.services;
    db.transaction(() =>
      appendAudit(db, {
        at: this.services.now(),
        deviceId: this.services.deviceId,
        userId: session.user.id,
        username: session.user.username,
        action,
        outcome,
        target: null,
        detail: null,
      }),
    )();
  }
}

function fail(error: HarborError): { ok: false; error: ApiError } {
  return { ok: false, error: error.toApiError() };
}
