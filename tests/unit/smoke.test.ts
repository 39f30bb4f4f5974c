import { afterEach, describe, expect, it } from 'vitest';
import { makeTestCore, setUpOffice, type TestCore } from '../helpers/core';

let core: TestCore;
afterEach(() => core?.dispose());

describe('core smoke', () => {
  it('sets up an office and logs in', async () => {
    core = makeTestCore();
    const status = await core.ok('system.status', {});
    expect(status.setUp).toBe(false);
    const token = await setUpOffice(core);
    const me = await core.ok('auth.me', {}, token);
    expect(me.user.role).toBe('administrator');
    expect((await core.ok('system.status', {})).officeName).toBe('海港贸易有限公司');
  });
});
