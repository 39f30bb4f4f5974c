import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCore, type Core } from '../../src-main/core';
import { FileKeyStore } from '../../src-main/core/db/keystore';
import type { MethodInput, MethodName, MethodOutput } from '../../src-shared/contract';
import type { Result } from '../../src-shared/errors';
import { afterEach } from 'vitest';

export interface TestCore extends Core {
  dir: string;
  keyFile: string;
  /** Calls a method as the holder of `token` (or anonymously). */
  call<M extends MethodName>(method: M, input: MethodInput<M> | unknown, token?: string | null): Promise<Result<MethodOutput<M>>>;
  /** Calls a method and returns its value, failing the test on an error result. */
  ok<M extends MethodName>(method: M, input: MethodInput<M> | unknown, token?: string | null): Promise<MethodOutput<M>>;
  dispose(): void;
}

export function tempDir(prefix = 'harbor-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function makeTestCore(options: { dir?: string; now?: () => number } = {}): TestCore {
  const dir = options.dir ?? tempDir();
  const keyFile = join(dir, 'harbor.key');
  const core = openCore({ dataDir: dir, keyStore: new FileKeyStore(keyFile), appVersion: '0.1.0-test', now: options.now });
  const call = ((method: string, input: unknown, token?: string | null) =>
    core.dispatcher.call(method, input, { token: token ?? null, origin: 'internal' })) as TestCore['call'];
  return {
    ...core,
    dir,
    keyFile,
    call,
    async ok(method, input, token) {
      const result = await call(method, input, token);
      if (!result.ok) throw new Error(`${method} failed: ${JSON.stringify(result.error)}`);
      return result.value;
    },
    dispose() {
      core.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A maker of test cores that are all disposed after each test of the calling file. */
export function disposedAfterEach(): (options?: Parameters<typeof makeTestCore>[0]) => TestCore {
  const cores: TestCore[] = [];
  afterEach(() => {
    while (cores.length) cores.pop()!.dispose();
  });
  return (options = {}) => {
    const c = makeTestCore(options);
    cores.push(c);
    return c;
  };
}

export const ADMIN = { displayName: '陈静', username: 'admin', password: 'correct horse battery' };

/** A set-up office with an administrator; returns the admin's token. */
export async function setUpOffice(core: TestCore, extra: { loadSampleData?: boolean } = {}): Promise<string> {
  const session = await core.ok('system.setup', {
    officeName: '海港贸易有限公司',
    language: 'zh-CN',
    currency: 'CNY',
    admin: ADMIN,
    loadSampleData: extra.loadSampleData ?? false,
  });
  return session.token;
}

/** Creates a user with `role` and signs them in; returns their token. */
export async function userWithRole(core: TestCore, adminToken: string, role: Parameters<typeof roleName>[0]): Promise<string> {
  const username = roleName(role);
  await core.ok('users.create', { username, displayName: username, password: 'password-1234', role }, adminToken);
  const session = await core.ok('auth.login', { username, password: 'password-1234' });
  return session.token;
}

function roleName(role: 'administrator' | 'sales_manager' | 'sales_rep' | 'service_agent' | 'marketing' | 'read_only') {
  return `u_${role}`.replace(/_/g, '.');
}

/** Every row of every table, for "nothing changed" assertions. */
export function snapshot(core: Core, tables: string[] = ['users', 'settings', 'change_log']): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t] = core.services.db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all();
  return out;
}
