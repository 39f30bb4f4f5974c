import { expect, rpcInPage, screenshot, signIn, test } from './fixtures';

test('users: create with a role, taken name on its field, edit, reset password; another window updates live', async ({
  page,
  harbor,
  office,
}) => {
  await page.goto(`${harbor.url}#/settings/users`);
  await signIn(page, office.username, office.password);
  const table = page.getByTestId('users-table');
  await expect(table.locator('tbody tr')).toHaveCount(1);

  // A second window, signed in on its own, watches the same list.
  const watcher = await page.context().newPage();
  await watcher.goto(`${harbor.url}#/settings/users`);
  await signIn(watcher, office.username, office.password);
  await expect(watcher.getByTestId('users-table').locator('tbody tr')).toHaveCount(1);

  await page.getByRole('button', { name: '新建用户' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('姓名').fill('刘洋');
  await dialog.getByLabel('用户名').fill(office.username);
  await dialog.getByLabel('初始密码').fill('Liu-Yang-2024!');
  await dialog.getByLabel('角色', { exact: true }).click();
  await page.getByRole('option', { name: '客服专员' }).click();
  await dialog.getByRole('button', { name: '保存' }).click();
  await expect(dialog.getByText('该用户名已被使用。')).toBeVisible();
  await screenshot(page, 'users-create-error-zh');

  await dialog.getByLabel('用户名').fill('liu.yang');
  await dialog.getByRole('button', { name: '保存' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  const row = table.locator('tbody tr', { hasText: 'liu.yang' });
  await expect(row).toContainText('客服专员');
  // The other window learns of it from the core's change event, without reloading.
  await expect(watcher.getByTestId('users-table').locator('tbody tr', { hasText: 'liu.yang' })).toBeVisible();

  // Edit: new role, deactivated.
  await row.getByRole('button', { name: '刘洋 的操作' }).click();
  await page.getByRole('menuitem', { name: '编辑' }).click();
  const edit = page.getByRole('dialog');
  await edit.getByLabel('角色', { exact: true }).click();
  await page.getByRole('option', { name: '销售经理' }).click();
  await edit.getByRole('switch', { name: '账号启用' }).uncheck();
  await edit.getByRole('button', { name: '保存' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(row).toContainText('销售经理');
  await expect(row).toContainText('已停用');

  // Reactivate and set a new password; the new password signs in.
  await row.getByRole('button', { name: '刘洋 的操作' }).click();
  await page.getByRole('menuitem', { name: '编辑' }).click();
  await page.getByRole('dialog').getByRole('switch', { name: '账号启用' }).check();
  await page.getByRole('dialog').getByRole('button', { name: '保存' }).click();
  await expect(row).toContainText('启用');
  await row.getByRole('button', { name: '刘洋 的操作' }).click();
  await page.getByRole('menuitem', { name: '重置密码' }).click();
  const reset = page.getByRole('dialog');
  await reset.getByLabel('新密码', { exact: true }).fill('Brand-New-Pass-7');
  await reset.getByLabel('再次输入新密码').fill('Brand-New-Pass-7');
  await reset.getByRole('button', { name: '保存' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await screenshot(page, 'users-managed-zh');

  const login = await harbor.rpc<{ user: { role: string } }>('auth.login', { username: 'liu.yang', password: 'Brand-New-Pass-7' });
  expect(login.ok).toBe(true);
  expect(login.value?.user.role).toBe('sales_manager');
  const list = await rpcInPage<{ username: string; active: boolean }[]>(page, 'users.list');
  expect(list.value.find((u) => u.username === 'liu.yang')?.active).toBe(true);
});
