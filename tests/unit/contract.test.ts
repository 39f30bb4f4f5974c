import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methods, type MethodName } from '../../src-shared/contract';
import { PERMISSIONS, ROLES, roleHas, type Permission } from '../../src-shared/permissions';
import { makeTestCore, setUpOffice, snapshot, userWithRole, type TestCore } from '../helpers/core';
import { VALID_INPUTS } from '../helpers/samples';

const TABLES = ['users', 'settings', 'change_log', 'local_sessions'];
const names = Object.keys(methods) as MethodName[];

let core: TestCore;
let admin: string;
const tokens = new Map<string, string>();

beforeAll(async () => {
  core = makeTestCore();
  admin = await setUpOffice(core);
  for (const role of ROLES.filter((r) => r !== 'administrator')) tokens.set(role, await userWithRole(core, admin, role));
});
afterAll(() => core.dispose());

describe('the contract', () => {
  it('has a valid sample input for every method, accepted by its schema', () => {
    for (const name of names) {
      expect(VALID_INPUTS[name], name).toBeDefined();
      expect(methods[name].input.safeParse(VALID_INPUTS[name]).success, name).toBe(true);
    }
  });

  it.each(names)('%s: a malformed input gets VALIDATION_ERROR with field details and changes nothing', async (name) => {
    const before = snapshot(core, TABLES);
    const result = await core.call(name, 42, admin);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('VALIDATION_ERROR');
    expect(result.error.fields?.length).toBeGreaterThan(0);
    expect(result.error.fields![0]!.messageKey).toMatch(/^validation\./);
    const extra = await core.call(name, { ...(VALID_INPUTS[name] as object), notAField: true }, admin);
    expect(extra.ok, `${name} must reject unknown fields`).toBe(false);
    if (!extra.ok) expect(extra.error.fields).toContainEqual({ path: 'notAField', messageKey: 'validation.unrecognized_keys' });
    expect(snapshot(core, TABLES)).toEqual(before);
  });

  // Permissions every role holds (reading settings and the user list, e.g. to pick an owner) cannot be denied.
  const universal = new Set(PERMISSIONS.filter((p) => ROLES.every((r) => roleHas(r, p))));
  it('only read permissions are granted to every role', () => {
    expect([...universal].every((p) => p.endsWith('.read'))).toBe(true);
  });
  const gated = names.filter(
    (n) => !['public', 'authenticated'].includes(methods[n].access) && !universal.has(methods[n].access as Permission),
  );
  it.each(gated)('%s: a caller without the permission gets FORBIDDEN and nothing changes', async (name) => {
    const permission = methods[name].access as Permission;
    const denied = ROLES.filter((r) => !roleHas(r, permission));
    expect(denied.length, `${permission} is granted to every role`).toBeGreaterThan(0);
    for (const role of denied) {
      const before = snapshot(core, ['users', 'settings', 'change_log']);
      const result = await core.call(name, VALID_INPUTS[name], tokens.get(role));
      expect(result, `${role} calling ${name}`).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(snapshot(core, ['users', 'settings', 'change_log'])).toEqual(before);
    }
    const audit = core.services.db
      .prepare("SELECT outcome FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT 1")
      .get(name) as { outcome: string };
    expect(audit.outcome).toBe('denied');
  });

  const needsSession = names.filter((n) => methods[n].access !== 'public');
  it.each(needsSession)('%s: an unauthenticated call gets UNAUTHENTICATED and nothing changes', async (name) => {
    const before = snapshot(core, TABLES);
    for (const token of [null, 'not-a-real-token']) {
      const result = await core.call(name, VALID_INPUTS[name], token);
      expect(result).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED', messageKey: 'errors.UNAUTHENTICATED' } });
    }
    expect(snapshot(core, TABLES)).toEqual(before);
  });

  it('an unknown method gets UNKNOWN_METHOD', async () => {
    expect(await core.call('nope.nothing' as MethodName, {}, admin)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });

  it('never leaks secrets in outputs: password hashes are stripped by the output schema', async () => {
    const list = await core.ok('users.list', {}, admin);
    expect(JSON.stringify(list)).not.toMatch(/scrypt\$/);
  });
});
