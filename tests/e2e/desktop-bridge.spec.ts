/**
 * The same renderer over the desktop bridge: when `window.harbor` exists the
 * app must use it, never HTTP tokens of its own. The bridge here behaves like
 * the Electron main process (src-main/shell/ipc.ts): it keeps the session
 * token to itself and hands the page `token: ''`.
 */
import { expect, screenshot, signIn, test } from './fixtures';

test('with window.harbor present the app runs over the bridge and keeps no token in the page', async ({ page, harbor }) => {
  await page.addInitScript(() => {
    let token: string | null = null;
    const calls: string[] = [];
    const bridge = {
      async invoke(method: string, input: unknown) {
        calls.push(method);
        const response = await fetch(`/rpc/${method}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(input ?? {}),
        });
        const result = (await response.json()) as { ok: boolean; value?: { token?: unknown } };
        if (result.ok && typeof result.value?.token === 'string') {
          token = result.value.token;
          return { ok: true, value: { ...result.value, token: '' } };
        }
        if (method === 'auth.logout') token = null;
        return result;
      },
      on() {
        return () => undefined;
      },
    };
    Object.assign(globalThis, { harbor: Object.freeze(bridge), harborCalls: calls });
  });

  await page.goto(harbor.url);
  await page.getByLabel('办公室名称').fill('桌面办公室');
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByLabel('您的姓名').fill('周琳');
  await page.getByLabel('用户名').fill('zhou.lin');
  await page.getByLabel('密码', { exact: true }).fill('Desktop-Bridge-9');
  await page.getByLabel('再次输入密码').fill('Desktop-Bridge-9');
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByRole('button', { name: '创建办公室' }).click();
  await expect(page.getByTestId('home-title')).toHaveText('欢迎,周琳');
  await screenshot(page, 'home-desktop-bridge');

  const seen = await page.evaluate(() => {
    const g = globalThis as unknown as { harborCalls: string[]; sessionStorage: { getItem(key: string): string | null } };
    return { calls: g.harborCalls, storedToken: g.sessionStorage.getItem('harbor.token') };
  });
  expect(seen.calls).toEqual(expect.arrayContaining(['system.status', 'system.setup', 'users.list']));
  expect(seen.storedToken).toBeNull();

  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: '退出登录' }).click();
  await expect(page.getByRole('heading', { name: '登录' })).toBeVisible();
  await signIn(page, 'zhou.lin', 'Desktop-Bridge-9');
  await expect(page.getByTestId('home-title')).toHaveText('欢迎,周琳');
});
