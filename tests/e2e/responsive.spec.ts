import { expect, horizontalOverflow, rpcInPage, screenshot, signIn, test } from './fixtures';

test.use({ viewport: { width: 375, height: 740 } });

test('phone width: sign-in, burger menu, users list', async ({ page, harbor, office }) => {
  await page.goto(harbor.url);
  await screenshot(page, 'login-375');
  await signIn(page, office.username, office.password);
  await expect(page.getByTestId('home-title')).toBeVisible();
  await screenshot(page, 'home-375');

  // The sidebar sits off-screen until the burger opens it, and closes again after choosing.
  const settingsLink = page.getByRole('link', { name: '设置', exact: true });
  await expect(settingsLink).not.toBeInViewport();
  await page.getByRole('button', { name: '菜单' }).click();
  await expect(settingsLink).toBeInViewport();
  await screenshot(page, 'nav-375');
  await settingsLink.click();
  await expect(settingsLink).not.toBeInViewport();
  await page.getByRole('tab', { name: '用户' }).click();
  await expect(page.getByTestId('users-table')).toBeVisible();
  await screenshot(page, 'users-375');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

  // Dark theme, saved with the user.
  await page.getByTestId('theme-menu').click();
  await page.getByRole('menuitem', { name: '深色' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
  await screenshot(page, 'users-375-dark');
  const me = await rpcInPage<{ user: { theme: string } }>(page, 'auth.me');
  expect(me.value.user.theme).toBe('dark');
});

test('phone width: the setup wizard fits', async ({ page, harbor }) => {
  await page.goto(harbor.url);
  await expect(page.getByText('设置您的办公室')).toBeVisible();
  await page.getByLabel('办公室名称').fill('小店');
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByLabel('您的姓名')).toBeVisible();
  await screenshot(page, 'setup-2-admin-375');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
});
