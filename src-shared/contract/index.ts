import type { z } from 'zod';
import { authMethods } from './auth';
import { systemMethods } from './system';
import { backupMethods } from './backup';
import { customersMethods } from './customers';
import { syncMethods } from './sync';
import type { MethodDef } from './define';
import type { Result } from '../errors';

export * from './define';
export * from './common';
export * from './auth';
export * from './system';
export * from './backup';
export * from './customers';
export * from './sync';

/** The whole API: one table, shared by the core, both transports and the renderer. */
export const methods = {
  ...systemMethods,
  ...authMethods,
  ...backupMethods,
  ...customersMethods,
  ...syncMethods,
} satisfies Record<string, MethodDef>;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

/** Events pushed from the core to every connected client. */
export interface EventMap {
  /** Rows changed in these tables (by this or another device). */
  'data.changed': { tables: string[] };
  /** The session was locked (idle timeout or another window). */
  'session.locked': { reason: 'idle' | 'manual' };
  /** Progress of long work started by this client. */
  'job.progress': { jobId: string; done: number; total: number; stage: string };
}
export type EventName = keyof EventMap;

/** The surface the preload exposes as `window.harbor`, and the HTTP client mirrors. */
export interface HarborBridge {
  invoke<M extends MethodName>(
    method: M,
    input: MethodInput<M>,
  ): Promise<Result<MethodOutput<M>>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
}

/** How far the upgrade of an older office database has come (the desktop shows it before the app opens). */
export interface UpgradeStatus {
  /** `copy`: the safety copy of the file; `migrate`: the schema migrations. */
  stage: 'copy' | 'migrate';
  /** 0 to 100, never going back. */
  percent: number;
}

/** The surface the upgrade window's preload exposes as `window.harborUpgrade`. */
export interface UpgradeBridge {
  onProgress(listener: (status: UpgradeStatus) => void): () => void;
  /** Stops the upgrade and quits Harbor; the database keeps its version. */
  cancel(): Promise<void>;
}
