import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, screenshot, signIn, test } from './fixtures';

test('backup: set folder and password, back up now, add data, restore, see it gone and the safety copy listed', async ({
  page,
  harbor,
  office,
}) => {
  const usb = join(harbor.dataDir, 'usb-stick');
  mkdirSync(usb);
  await page.goto(`${harbor.url}#/settings/backup`);
  await signIn(page, office.username, office.password);
  const settings = page.getByTestId('backup-settings');
  await expect(settings).toBeVisible();
  await expect(settings.getByText('从未')).toBeVisible();

  await settings.getByLabel('备份文件夹').fill(usb);
  await settings.getByRole('button', { name: '保存' }).click();
  await expect(page.getByText('备份设置已保存。')).toBeVisible();
  await settings.getByLabel('备份密码', { exact: true }).fill('Backup-Pass-2024');
  await settings.getByLabel('再次输入备份密码').fill('Backup-Pass-2024');
  await settings.getByRole('button', { name: '设置密码' }).click();
  await expect(settings.getByText('已设置备份密码。')).toBeVisible();

  await settings.getByRole('button', { name: '立即备份' }).click();
  await expect(page.getByText(/^备份完成/)).toBeVisible({ timeout: 20_000 });
  await expect(settings.getByTestId('backup-list').locator('tbody tr')).toHaveCount(1);
  await expect(settings.getByTestId('backup-last-success')).not.toHaveText('从未');
  await screenshot(page, 'backup-settings-zh');

  // Add data after the backup: a contact and a user account.
  const login = await harbor.rpc<{ token: string }>('auth.login', { username: office.username, password: office.password });
  const token = login.value!.token;
  const contact = await harbor.rpc<{ id: string }>('contacts.create', { familyName: '张', givenName: '三丰' }, token);
  expect(contact.ok).toBe(true);
  const user = await harbor.rpc('users.create', { username: 'after.backup', displayName: '备份之后', password: 'After-Backup-1', role: 'sales_rep' }, token);
  expect(user.ok).toBe(true);

  // Restore: pick the backup, give its password, see the contents, confirm once.
  await settings.getByTestId('backup-list').getByRole('button', { name: '恢复' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('此备份的密码').fill('wrong-password');
  await dialog.getByRole('button', { name: '查看内容' }).click();
  await expect(dialog.getByText('备份密码错误。')).toBeVisible();
  await dialog.getByLabel('此备份的密码').fill('Backup-Pass-2024');
  await dialog.getByRole('button', { name: '查看内容' }).click();
  await expect(dialog.getByTestId('backup-contents')).toContainText(office.officeName);
  await screenshot(page, 'backup-restore-confirm-zh');
  await dialog.getByRole('button', { name: '恢复此备份' }).click();
  await expect(page.getByText('备份已恢复。请重新登录。')).toBeVisible({ timeout: 20_000 });

  // Everyone signs in again; the data added after the backup is gone.
  await signIn(page, office.username, office.password);
  await page.goto(`${harbor.url}#/settings/users`);
  await expect(page.getByTestId('users-table').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('users-table')).not.toContainText('after.backup');
  const again = await harbor.rpc<{ token: string }>('auth.login', { username: office.username, password: office.password });
  expect((await harbor.rpc('contacts.get', { id: contact.value!.id }, again.value!.token)).ok).toBe(false);

  await page.goto(`${harbor.url}#/settings/backup`);
  await expect(page.getByTestId('safety-copies').locator('tbody tr')).toHaveCount(1);
  await screenshot(page, 'backup-after-restore-zh');
});

test('first run: restore the office from a backup instead of setting up a new one', async ({ page, harbor }) => {
  // A backup written by another Harbor (the office being moved to this computer).
  const { openCore } = await import('../../src-main/core');
  const { FileKeyStore } = await import('../../src-main/core/db/keystore');
  const source = join(harbor.dataDir, 'old-computer');
  const usb = join(harbor.dataDir, 'usb-stick');
  mkdirSync(usb, { recursive: true });
  const core = openCore({ dataDir: source, keyStore: new FileKeyStore(join(source, 'harbor.key')), appVersion: 'e2e' });
  try {
    const setup = await core.dispatcher.call(
      'system.setup',
      { officeName: '旧电脑贸易', language: 'zh-CN', currency: 'CNY', admin: { displayName: '王芳', username: 'wang.fang', password: 'Old-Computer-1' } },
      { origin: 'internal' },
    );
    if (!setup.ok) throw new Error(JSON.stringify(setup.error));
    const token = setup.value.token;
    await core.dispatcher.call('backup.setConfig', { targetDir: usb }, { origin: 'internal', token });
    await core.dispatcher.call('backup.setPassword', { password: 'Moving-Day-2024' }, { origin: 'internal', token });
    const run = await core.dispatcher.call('backup.run', {}, { origin: 'internal', token });
    if (!run.ok) throw new Error(JSON.stringify(run.error));
    expect((await core.backup.waitFor(run.value.jobId)).state).toBe('done');
  } finally {
    core.close();
  }
  const [backupName] = readdirSync(usb);

  await page.goto(harbor.url);
  await page.getByTestId('restore-link').click();
  const panel = page.getByTestId('restore-panel');
  await panel.getByLabel('备份(以 .harborbackup 结尾的文件夹)').fill(join(usb, backupName!));
  await panel.getByLabel('此备份的密码').fill('Moving-Day-2024');
  await panel.getByRole('button', { name: '查看内容' }).click();
  await expect(panel.getByTestId('backup-contents')).toContainText('旧电脑贸易');
  await screenshot(page, 'backup-first-run-restore-zh');
  await panel.getByRole('button', { name: '恢复此备份' }).click();
  await expect(page.getByText('备份已恢复。请重新登录。')).toBeVisible({ timeout: 20_000 });
  await signIn(page, 'wang.fang', 'Old-Computer-1');
  await expect(page.getByText('旧电脑贸易').first()).toBeVisible();
});

test('backup in English: back up now, verify the backup, overdue warning absent while the schedule is off', async ({ page, harbor }) => {
  const setup = await harbor.rpc('system.setup', {
    officeName: 'Harbor Trading',
    language: 'en',
    currency: 'USD',
    admin: { displayName: 'Jane Chen', username: 'jane', password: 'Jane-Chen-2024!' },
  });
  expect(setup.ok).toBe(true);
  const usb = join(harbor.dataDir, 'usb-en');
  mkdirSync(usb);
  await page.goto(`${harbor.url}#/settings/backup`);
  await signIn(page, 'jane', 'Jane-Chen-2024!');
  const settings = page.getByTestId('backup-settings');
  await expect(settings.getByText('No backup password yet.')).toBeVisible();
  await expect(settings.getByRole('button', { name: 'Back up now' })).toBeDisabled();

  await settings.getByLabel('Backup folder').fill(usb);
  await settings.getByRole('button', { name: 'Save' }).click();
  await settings.getByLabel('Backup password', { exact: true }).fill('Backup-Pass-2024');
  await settings.getByLabel('Repeat the backup password').fill('Backup-Pass-2024');
  await settings.getByRole('button', { name: 'Set password' }).click();
  await expect(settings.getByText('A backup password is set.')).toBeVisible();

  await settings.getByRole('button', { name: 'Back up now' }).click();
  await expect(page.getByText(/^Backup finished/)).toBeVisible({ timeout: 20_000 });
  await settings.getByTestId('backup-list').getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText(/^The backup is complete and readable/)).toBeVisible({ timeout: 20_000 });
  await expect(settings.getByText(/older than the schedule allows/)).toHaveCount(0);
  await screenshot(page, 'backup-settings-en');
});
