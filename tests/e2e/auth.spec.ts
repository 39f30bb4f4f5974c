import { expect, rpcInPage, screenshot, signIn, test } from './fixtures';

test('failed sign-in says so, then sign-in and sign-out work', async ({ page, harbor, office }) => {
  await page.goto(harbor.url);
  await expect(page.getByRole('heading', { name: '登录' })).toBeVisible();
  await expect(page.getByTestId('login-office')).toHaveText(office.officeName);

  await signIn(page, office.username, 'not-the-password');
  await expect(page.getByTestId('login-error')).toHaveText('用户名或密码错误。');
  await expect(page.getByLabel(/^密码/)).toHaveValue('');
  await screenshot(page, 'login-failed-zh');

  await signIn(page, office.username, office.password);
  await expect(page.getByTestId('home-title')).toHaveText(`欢迎,${office.displayName}`);

  // A reload keeps the session (the token lives in sessionStorage).
  await page.reload();
  await expect(page.getByTestId('home-title')).toBeVisible();

  await page.getByTestId('user-menu').click();
  await page.getByRole('menuitem', { name: '退出登录' }).click();
  await expect(page.getByRole('heading', { name: '登录' })).toBeVisible();
  // The old token is gone: the API refuses it and a reload shows the sign-in screen again.
  await page.reload();
  await expect(page.getByRole('heading', { name: '登录' })).toBeVisible();
});

test('five failures lock the account with a message naming the minutes', async ({ page, harbor, office }) => {
  await page.goto(harbor.url);
  for (let i = 0; i < 4; i++) {
    await signIn(page, office.username, `wrong-${i}`);
    await expect(page.getByTestId('login-error')).toHaveText('用户名或密码错误。');
  }
  await signIn(page, office.username, 'wrong-4');
  await expect(page.getByTestId('login-error')).toHaveText('失败次数过多,请在 5 分钟后重试。');
  // Even the right password is refused while locked.
  await signIn(page, office.username, office.password);
  await expect(page.getByTestId('login-error')).toContainText('分钟后重试');
});

test('switching to English changes the interface and is remembered for the user', async ({ page, harbor, office }) => {
  await page.goto(harbor.url);
  await signIn(page, office.username, office.password);
  await expect(page.getByRole('link', { name: '设置', exact: true })).toBeVisible();

  await page.getByTestId('language-menu').click();
  await page.getByRole('menuitem', { name: 'English' }).click();
  await expect(page.getByTestId('home-title')).toHaveText(`Welcome, ${office.displayName}`);
  await expect(page.getByText('What to do next')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Settings', exact: true })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await screenshot(page, 'home-en');

  // Stored with the user: a fresh sign-in in a new tab comes back in English.
  const me = await rpcInPage<{ user: { language: string } }>(page, 'auth.me');
  expect(me.value.user.language).toBe('en');
  const second = await page.context().newPage();
  await second.goto(harbor.url);
  await signIn(second, office.username, office.password);
  await expect(second.getByTestId('home-title')).toHaveText(`Welcome, ${office.displayName}`);

  // Settings in English, then the command palette finds the audit log.
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page.getByRole('tab', { name: 'General' })).toBeVisible();
  await screenshot(page, 'settings-general-en');
  await page.keyboard.press('Control+K');
  const palette = page.getByRole('dialog');
  await palette.getByPlaceholder('Go to a screen or search…').fill('陈');
  await expect(palette.getByRole('button', { name: /陈静/ })).toBeVisible();
  await screenshot(page, 'palette-en');
  await page.keyboard.press('Escape');
  await page.getByRole('tab', { name: 'Audit log' }).click();
  await page.getByTestId('audit-verify').click();
  await expect(page.getByTestId('audit-verify-result')).toContainText('The chain is intact');
  await expect(page.getByTestId('audit-table')).toContainText('auth.setPreferences');
  await screenshot(page, 'audit-en');
});

test('idle lock: the app locks after the configured idle time and unlocks with the password', async ({ page, harbor, office }) => {
  // The page's clock is controlled so a minute of idleness takes no real time.
  await page.clock.install();
  await page.goto(harbor.url);
  await signIn(page, office.username, office.password);
  await expect(page.getByTestId('home-title')).toBeVisible();

  await page.goto(`${harbor.url}#/settings/general`);
  const minutes = page.getByTestId('idle-lock-minutes');
  await expect(minutes).toHaveValue('15');
  await minutes.fill('1');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.getByText('已保存。')).toBeVisible();

  await page.clock.fastForward('00:30');
  await expect(page.getByTestId('lock-screen')).toHaveCount(0);
  await page.clock.fastForward('00:35');
  await expect(page.getByTestId('lock-screen')).toBeVisible();
  await expect(page.getByText('Harbor 已锁定')).toBeVisible();
  await screenshot(page, 'lock-zh');
  // Nothing behind the lock answers the keyboard: the command palette stays shut.
  await page.keyboard.press('Control+K');
  await expect(page.getByPlaceholder('前往页面或搜索…')).toHaveCount(0);

  // The server agrees: the session is locked, so ordinary calls are refused.
  const refused = await rpcInPage(page, 'settings.get');
  expect(refused.error?.code).toBe('SESSION_LOCKED');

  const lock = page.getByTestId('lock-screen');
  await lock.getByLabel(/^密码/).fill('wrong-password');
  await lock.getByRole('button', { name: '解锁' }).click();
  await expect(lock.getByText('密码错误。')).toBeVisible();
  await lock.getByLabel(/^密码/).fill(office.password);
  await lock.getByRole('button', { name: '解锁' }).click();
  await expect(page.getByTestId('lock-screen')).toHaveCount(0);
  // Back where the user left off, with the saved value.
  await expect(page.getByTestId('idle-lock-minutes')).toHaveValue('1');
});

test('the server’s answers drive the screens: SESSION_LOCKED shows the lock, UNAUTHENTICATED the sign-in', async ({ page, harbor, office }) => {
  await page.goto(harbor.url);
  await signIn(page, office.username, office.password);
  await expect(page.getByTestId('home-title')).toBeVisible();

  // Locked elsewhere (another window, or the core's own idle check): the next call shows the lock screen.
  expect((await rpcInPage(page, 'auth.lock')).ok).toBe(true);
  await page.getByRole('link', { name: '设置', exact: true }).click();
  await expect(page.getByTestId('lock-screen')).toBeVisible();
  const lock = page.getByTestId('lock-screen');
  await lock.getByLabel(/^密码/).fill(office.password);
  await lock.getByRole('button', { name: '解锁' }).click();
  await expect(page.getByTestId('lock-screen')).toHaveCount(0);
  await expect(page.getByRole('tab', { name: '常规' })).toBeVisible();

  // The session ended on the server: the next call returns to the sign-in screen and says why.
  expect((await rpcInPage(page, 'auth.logout')).ok).toBe(true);
  await page.getByRole('tab', { name: '用户' }).click();
  await expect(page.getByRole('heading', { name: '登录' })).toBeVisible();
  await expect(page.getByText('您的会话已结束,请重新登录。')).toBeVisible();
});
