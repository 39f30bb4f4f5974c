import { expect, screenshot, test } from './fixtures';

const ADMIN = { name: '陈静', username: 'chen.jing', password: 'Harbor-Setup-2024!' };

test('first-run setup in Chinese, with a server-side field error shown on its field', async ({ page, harbor }) => {
  await page.goto(harbor.url);
  await expect(page.getByText('设置您的办公室')).toBeVisible();
  await screenshot(page, 'setup-1-office-zh');

  // Empty office name: the wizard stays on step one and says why, in Chinese.
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByText('必填。')).toBeVisible();

  // 101 characters pass the wizard but not the contract (max 100): the server's field error comes back onto the field.
  await page.getByLabel('办公室名称').fill('港'.repeat(101));
  await page.getByRole('button', { name: '下一步' }).click();

  await page.getByLabel('您的姓名').fill(ADMIN.name);
  await page.getByLabel('用户名').fill(ADMIN.username);
  await page.getByLabel('密码', { exact: true }).fill('short');
  await expect(page.getByTestId('password-strength')).toHaveAttribute('data-strength', '1');
  await expect(page.getByText('强度:弱')).toBeVisible();
  await page.getByLabel('密码', { exact: true }).fill(ADMIN.password);
  await expect(page.getByTestId('password-strength')).toHaveAttribute('data-strength', /[34]/);
  await page.getByLabel('再次输入密码').fill('something-else');
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByText('两次输入的密码不一致。')).toBeVisible();
  await page.getByLabel('再次输入密码').fill(ADMIN.password);
  await screenshot(page, 'setup-2-admin-zh');
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByLabel('加载示例数据')).not.toBeChecked();
  await page.getByRole('button', { name: '创建办公室' }).click();

  await expect(page.getByLabel('办公室名称')).toBeVisible();
  await expect(page.getByText('最多 100 个字符。')).toBeVisible();
  await page.getByLabel('办公室名称').fill('海港贸易有限公司');
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByRole('button', { name: '创建办公室' }).click();

  // Lands signed in, in Chinese.
  await expect(page.getByTestId('home-title')).toHaveText(`欢迎,${ADMIN.name}`);
  await expect(page.getByTestId('office-name')).toHaveText('海港贸易有限公司');
  await expect(page.getByRole('link', { name: '管理用户' })).toBeVisible();
  await screenshot(page, 'home-zh');

  // Without sample data the office has exactly its administrator.
  await page.getByRole('link', { name: '管理用户' }).click();
  const rows = page.getByTestId('users-table').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(ADMIN.username);
  await expect(rows.first()).toContainText('管理员');

  const status = await harbor.rpc<{ setUp: boolean; officeName: string }>('system.status', {});
  expect(status.value).toMatchObject({ setUp: true, officeName: '海港贸易有限公司' });
});

test('first-run setup with sample data: the sample staff appear in the users list', async ({ page, harbor }) => {
  await page.goto(harbor.url);
  await page.getByLabel('办公室名称').fill('示例办公室');
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByLabel('您的姓名').fill(ADMIN.name);
  await page.getByLabel('用户名').fill(ADMIN.username);
  await page.getByLabel('密码', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('再次输入密码').fill(ADMIN.password);
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByLabel('加载示例数据').check();
  await screenshot(page, 'setup-3-finish-zh');
  await page.getByRole('button', { name: '创建办公室' }).click();
  await expect(page.getByTestId('home-title')).toBeVisible();

  await page.goto(`${harbor.url}#/settings/users`);
  const table = page.getByTestId('users-table');
  for (const name of ['王芳', '李伟', 'Emily Chen', '张敏', 'David Liu', '赵磊']) {
    await expect(table.getByRole('cell', { name, exact: true })).toBeVisible();
  }
  await expect(table.locator('tbody tr')).toHaveCount(7);
  await expect(table.getByText('销售经理')).toBeVisible();
  await screenshot(page, 'users-sample-zh');
});

test('the setup wizard switches language at once', async ({ page, harbor }) => {
  await page.goto(harbor.url);
  await expect(page.getByText('设置您的办公室')).toBeVisible();
  await page.getByTestId('setup-language').click();
  await page.getByRole('option', { name: 'English' }).click();
  await expect(page.getByText('Set up your office')).toBeVisible();
  await expect(page.getByLabel('Office name')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await screenshot(page, 'setup-1-office-en');
});
