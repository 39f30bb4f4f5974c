/**
 * Customers, end to end in browser mode: a company and two contacts typed in
 * Chinese, found by a 2-character name (palette and list), inline edit seen on
 * the timeline, tag + filter, a saved view, the duplicate warning ("Open
 * existing" and "Save anyway"), merge, recycle bin, then English.
 */
import type { Page } from '@playwright/test';
import { expect, horizontalOverflow, screenshot, signIn, test } from './fixtures';

async function newContact(page: Page, family: string, given: string, phone: string, email: string) {
  const dialog = page.getByRole('dialog', { name: '新建联系人' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('姓', { exact: true }).fill(family);
  await dialog.getByLabel('名', { exact: true }).fill(given);
  await dialog.getByRole('textbox', { name: '电话', exact: true }).fill(phone);
  await dialog.getByRole('textbox', { name: '邮箱', exact: true }).fill(email);
  return dialog;
}

async function openPalette(page: Page, query: string) {
  await page.keyboard.press('Control+K');
  const palette = page.getByRole('dialog');
  await palette.getByRole('textbox').fill(query);
  return palette;
}

/** Seeds contacts `<prefix><n>` through the API with the page's own session, the way an import would. */
async function seedContacts(page: Page, familyName: string, prefix: string, count: number, digits: number) {
  const seeded = await page.evaluate(
    async ({ familyName, prefix, count, digits }) => {
      const storage = (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage;
      const contacts = Array.from({ length: count }, (_, i) => ({ familyName, givenName: `${prefix}${String(i).padStart(digits, '0')}` }));
      const response = await fetch('/rpc/contacts.bulkCreate', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${storage.getItem('harbor.token')}` },
        body: JSON.stringify({ contacts }),
      });
      return ((await response.json()) as { ok: boolean }).ok;
    },
    { familyName, prefix, count, digits },
  );
  expect(seeded).toBe(true);
}

test('customers: create, find, edit inline, tag, views, duplicates, merge, recycle bin, English', async ({ page, harbor, office }) => {
  test.setTimeout(120_000);
  await page.goto(harbor.url);
  await signIn(page, office.username, office.password);
  await page.getByRole('link', { name: '客户', exact: true }).click();
  await expect(page.getByTestId('list-empty')).toContainText('还没有联系人');
  await screenshot(page, 'customers-empty');

  // A tag to work with.
  await page.getByRole('tab', { name: '标签与分类' }).click();
  await page.getByRole('button', { name: '新建' }).first().click();
  await page.getByRole('dialog').getByLabel('名称').fill('重要');
  await page.getByRole('dialog').getByRole('button', { name: '保存' }).click();
  await expect(page.getByText('重要', { exact: true })).toBeVisible();

  // A company, saved with Ctrl+Enter.
  await page.getByRole('tab', { name: '公司' }).click();
  await page.getByRole('button', { name: '新建公司' }).first().click();
  const companyDialog = page.getByRole('dialog', { name: '新建公司' });
  await companyDialog.getByLabel('公司名称').fill('东方航运有限公司');
  await companyDialog.getByLabel('行业').fill('物流');
  await companyDialog.getByLabel('行业').press('Control+Enter');
  await expect(page.getByTestId('record-title')).toHaveText('东方航运有限公司');

  // Two contacts: the first from the company's page (company preset), the second from the list.
  await page.getByRole('button', { name: '新建联系人' }).click();
  let dialog = await newContact(page, '张', '三', '13800138000', 'zhangsan@example.com');
  await dialog.getByRole('button', { name: '保存' }).click();
  await expect(page.getByTestId('record-title')).toHaveText('张三');
  await expect(page.getByRole('link', { name: '东方航运有限公司' })).toBeVisible();

  await page.getByRole('link', { name: '联系人', exact: true }).first().click();
  await page.keyboard.press('n');
  dialog = await newContact(page, '李', '四', '13900139000', 'lisi@example.com');
  await dialog.getByRole('combobox', { name: '公司' }).fill('东方');
  await page.getByRole('option', { name: '东方航运有限公司' }).click();
  await dialog.getByRole('button', { name: '保存' }).click();
  await expect(page.getByTestId('record-title')).toHaveText('李四');

  // Found by a 2-character name: the palette, then the list filter.
  let palette = await openPalette(page, '张三');
  // Results are grouped by type (the group title is drawn from a CSS variable).
  await expect(palette.locator('[style*="--spotlight-label: \'联系人\'"]')).toBeVisible();
  await palette.getByRole('button', { name: /张三/ }).click();
  await expect(page.getByTestId('record-title')).toHaveText('张三');

  await page.goto(`${harbor.url}#/customers/contacts`);
  await expect(page.getByTestId('list-count')).toHaveText('2 位联系人');
  await page.getByRole('textbox', { name: '搜索联系人' }).fill('张三');
  await expect(page.getByTestId('list-count')).toHaveText('1 位联系人');
  await expect(page.getByTestId('record-list').getByRole('link', { name: '张三' })).toBeVisible();
  await expect(page.getByTestId('record-list').getByRole('link', { name: '李四' })).toHaveCount(0);

  // Inline edit of the title, seen on the timeline.
  await page.getByTestId('record-list').getByRole('link', { name: '张三' }).click();
  await page.getByRole('button', { name: '编辑职位' }).click();
  await page.getByRole('textbox', { name: '职位' }).fill('销售经理');
  await page.getByRole('textbox', { name: '职位' }).press('Enter');
  const timeline = page.getByTestId('timeline');
  await expect(timeline.getByText('陈静 修改了职位')).toBeVisible();
  await expect(timeline.getByText('销售经理')).toBeVisible();

  // Escape cancels an inline edit.
  await page.getByRole('button', { name: '编辑城市' }).click();
  await page.getByRole('textbox', { name: '城市' }).fill('上海');
  await page.getByRole('textbox', { name: '城市' }).press('Escape');
  await expect(page.getByRole('textbox', { name: '城市' })).toHaveCount(0);
  await expect(timeline.getByText('陈静 修改了城市')).toHaveCount(0);

  // Tag, and a note.
  await page.getByRole('combobox', { name: '标签' }).click();
  await page.getByRole('option', { name: '重要' }).click();
  await page.keyboard.press('Escape');
  await page.getByLabel('添加备注').first().fill('电话沟通,下周拜访');
  await page.getByRole('button', { name: '添加备注' }).click();
  await expect(timeline.getByText('电话沟通,下周拜访')).toBeVisible();
  await screenshot(page, 'customers-detail');

  // Filter by tag and save it as a view.
  await page.goto(`${harbor.url}#/customers/contacts`);
  await expect(page.getByTestId('list-count')).toHaveText('2 位联系人');
  await page.getByRole('button', { name: '筛选' }).click();
  await page.getByTestId('filter-panel').getByRole('combobox', { name: '标签' }).click();
  await page.getByRole('option', { name: '重要' }).click();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('list-count')).toHaveText('1 位联系人');
  await page.getByRole('button', { name: '视图' }).click();
  await page.getByRole('menuitem', { name: '保存当前视图…' }).click();
  await page.getByRole('dialog').getByLabel('视图名称').fill('重要客户');
  await page.getByRole('dialog').getByRole('button', { name: '保存' }).click();
  await expect(page.getByRole('button', { name: '重要客户' })).toBeVisible();
  await screenshot(page, 'customers-list-filtered');
  await page.getByRole('button', { name: '重要客户' }).click();
  await page.getByRole('menuitem', { name: '全部记录' }).click();
  await expect(page.getByTestId('list-count')).toHaveText('2 位联系人');
  await page.getByRole('button', { name: '视图' }).click();
  await page.getByRole('menuitem', { name: '重要客户' }).click();
  await expect(page.getByTestId('list-count')).toHaveText('1 位联系人');
  await expect(page.getByTestId('record-list').getByRole('link', { name: '张三' })).toBeVisible();
  await page.getByRole('button', { name: '重要客户' }).click();
  await page.getByRole('menuitem', { name: '全部记录' }).click();

  // Duplicate warning: same phone -> "Open existing".
  await page.getByRole('button', { name: '新建联系人' }).first().click();
  dialog = await newContact(page, '张', '三丰', '138 0013 8000', '');
  await dialog.getByRole('button', { name: '保存' }).click();
  await expect(dialog.getByTestId('duplicate-warning')).toContainText('张三');
  await screenshot(page, 'customers-duplicate');
  await dialog.getByRole('button', { name: '打开已有记录' }).click();
  await expect(page.getByTestId('record-title')).toHaveText('张三');

  // Same email -> "Save anyway".
  await page.getByRole('link', { name: '联系人', exact: true }).first().click();
  await page.getByRole('button', { name: '新建联系人' }).first().click();
  dialog = await newContact(page, '王', '五', '', 'ZhangSan@example.com');
  await dialog.getByRole('button', { name: '保存' }).click();
  await expect(dialog.getByTestId('duplicate-warning')).toContainText('zhangsan@example.com');
  await dialog.getByRole('button', { name: '仍然保存' }).click();
  await expect(page.getByTestId('record-title')).toHaveText('王五');

  // A bad phone number is refused on its field.
  await page.getByRole('link', { name: '联系人', exact: true }).first().click();
  await page.getByRole('button', { name: '新建联系人' }).first().click();
  dialog = await newContact(page, '赵', '六', '12', '');
  await dialog.getByRole('button', { name: '保存' }).click();
  await expect(dialog.getByText('不是有效的电话号码。')).toBeVisible();
  await dialog.getByRole('button', { name: '取消' }).click();

  // Merge 王五 into 张三: per field, the kept record's values are preselected.
  await page.getByTestId('record-list').getByRole('link', { name: '张三' }).click();
  await page.getByRole('button', { name: '更多操作' }).click();
  await page.getByRole('menuitem', { name: '与…合并' }).click();
  const merge = page.getByRole('dialog');
  await merge.getByRole('combobox', { name: '另一条记录' }).fill('王五');
  await page.getByRole('option', { name: /王五/ }).click();
  await expect(merge.getByTestId('merge-table')).toBeVisible();
  await expect(merge.getByRole('radio', { name: '名: 张三' })).toBeChecked();
  await expect(merge.getByRole('radio', { name: '名: 王五' })).not.toBeChecked();
  await screenshot(page, 'customers-merge');
  await merge.getByRole('button', { name: '合并', exact: true }).click();
  await expect(timeline.getByText('陈静 将 王五 合并到此记录')).toBeVisible();
  await expect(timeline.getByText('来自 王五').first()).toBeVisible();
  await expect(page.getByTestId('record-title')).toHaveText('张三');

  // Delete 李四, then restore it from the recycle bin.
  await page.goto(`${harbor.url}#/customers/contacts`);
  await page.getByTestId('record-list').getByRole('link', { name: '李四' }).click();
  await page.getByRole('button', { name: '更多操作' }).click();
  await page.getByRole('menuitem', { name: '删除' }).click();
  await expect(page.getByText('已将 1 条记录移入回收站。')).toBeVisible();
  await expect(page.getByTestId('list-count')).toHaveText('1 位联系人');
  await page.getByRole('tab', { name: '回收站' }).click();
  await expect(page.getByTestId('recycle-bin')).toContainText('李四');
  await screenshot(page, 'customers-recycle-bin');
  await page.getByRole('button', { name: '恢复 李四' }).click();
  await expect(page.getByTestId('bin-empty')).toBeVisible();
  await page.getByRole('tab', { name: '联系人' }).click();
  await expect(page.getByTestId('list-count')).toHaveText('2 位联系人');

  // English: the same search in the palette and in the list.
  await page.getByTestId('language-menu').click();
  await page.getByRole('menuitem', { name: 'English' }).click();
  await expect(page.getByRole('tab', { name: 'Recycle bin' })).toBeVisible();
  palette = await openPalette(page, '李四');
  await expect(palette.locator('[style*="--spotlight-label: \'Contacts\'"]')).toBeVisible();
  await expect(palette.getByRole('button', { name: /李四/ })).toBeVisible();
  await page.keyboard.press('Escape');
  await page.getByRole('textbox', { name: 'Search contacts' }).fill('13800');
  await expect(page.getByTestId('list-count')).toHaveText('1 contact');
  await screenshot(page, 'customers-list-en');

  // Phone width: the list turns into one column of cards, nothing overflows sideways.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.getByRole('textbox', { name: 'Search contacts' }).fill('');
  await expect(page.getByTestId('list-count')).toHaveText('2 contacts');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await screenshot(page, 'customers-list-phone');
  await page.getByTestId('record-list').getByText('张三').click();
  await expect(page.getByTestId('record-title')).toHaveText('张三');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await screenshot(page, 'customers-detail-phone');
});

test('customers: a thousand contacts scroll in pages, sort by a column header, and bulk-tag', async ({ page, harbor, office }) => {
  await page.goto(harbor.url);
  await signIn(page, office.username, office.password);
  await expect(page.getByTestId('home-title')).toBeVisible();
  // Seed through the API with the page's own session.
  await seedContacts(page, 'Test', 'P', 1000, 4);
  await page.getByRole('link', { name: '客户', exact: true }).click();
  await expect(page.getByTestId('list-count')).toHaveText('1,000 位联系人');
  const list = page.getByTestId('record-list');
  await expect(list.getByRole('link', { name: 'P0000 Test' })).toBeVisible();
  // Only a window of rows is in the page.
  expect(await list.getByRole('row').count()).toBeLessThan(80);

  // Scroll to the end: the last page is fetched.
  await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(list.getByRole('link', { name: 'P0999 Test' })).toBeVisible();

  // Sort by name, descending.
  await list.evaluate((el) => el.scrollTo(0, 0));
  await list.getByRole('button', { name: '名称' }).click();
  await expect(list.getByRole('columnheader', { name: '名称' })).toHaveAttribute('aria-sort', 'descending');
  await expect(list.getByRole('link', { name: 'P0999 Test' })).toBeVisible();

  // Select the loaded rows and tag them.
  await page.getByRole('tab', { name: '标签与分类' }).click();
  await page.getByRole('button', { name: '新建' }).first().click();
  await page.getByRole('dialog').getByLabel('名称').fill('VIP');
  await page.getByRole('dialog').getByRole('button', { name: '保存' }).click();
  await page.getByRole('tab', { name: '联系人' }).click();
  await list.getByRole('checkbox', { name: '选择 P0000 Test' }).check();
  await list.getByRole('checkbox', { name: '选择 P0001 Test' }).check();
  await expect(page.getByTestId('bulk-bar')).toContainText('已选 2 条');
  await page.getByTestId('bulk-bar').getByRole('button', { name: '添加标签' }).click();
  await page.getByRole('menuitem', { name: 'VIP' }).click();
  await expect(page.getByText('已更新 2 条记录。')).toBeVisible();
  await page.getByRole('button', { name: '筛选' }).click();
  await page.getByTestId('filter-panel').getByRole('combobox', { name: '标签' }).click();
  await page.getByRole('option', { name: 'VIP' }).click();
  await expect(page.getByTestId('list-count')).toHaveText('2 位联系人');
  await screenshot(page, 'customers-bulk');
});

test('customers: past the 10,000 count the list keeps paging; columns are kept; export; delete with undo', async ({ page, harbor, office }) => {
  test.setTimeout(90_000);
  await page.goto(harbor.url);
  await signIn(page, office.username, office.password);
  await expect(page.getByTestId('home-title')).toBeVisible();
  await seedContacts(page, 'Bulk', 'N', 10_250, 5);
  await page.getByRole('link', { name: '客户', exact: true }).click();
  await expect(page.getByTestId('list-count')).toHaveText('超过 10,000 条');
  const list = page.getByTestId('record-list');

  // Scrolling to the end fetches page after page until a short one: the last row is reachable.
  const last = list.getByRole('link', { name: 'N10249 Bulk' });
  for (let i = 0; i < 20 && !(await last.isVisible()); i++) {
    await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForTimeout(150);
  }
  await expect(last).toBeVisible();
  expect(await list.getAttribute('aria-rowcount')).toBe('10250');
  expect(await list.getByRole('row').count()).toBeLessThan(80);

  // Hide the Title column and move Email first; the choice survives a reload.
  await page.getByRole('button', { name: '列' }).click();
  await page.getByRole('checkbox', { name: '职位' }).uncheck();
  await page.getByRole('button', { name: '上移 邮箱' }).click();
  await page.keyboard.press('Escape');
  await expect(list.getByRole('columnheader', { name: '职位' })).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('list-count')).toHaveText('超过 10,000 条');
  await expect(list.getByRole('columnheader', { name: '职位' })).toHaveCount(0);
  const headers = await list.getByRole('columnheader').allTextContents();
  expect(headers.indexOf('邮箱')).toBeLessThan(headers.indexOf('电话'));

  // Export the filtered list as a CSV file.
  await page.getByRole('textbox', { name: '搜索联系人' }).fill('N0000');
  await expect(page.getByTestId('list-count')).toHaveText('10 位联系人');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: '导出 CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.csv$/);
  const csv = await (await file.createReadStream()).toArray();
  const text = Buffer.concat(csv as Buffer[]).toString('utf8');
  expect(text.split('\n').filter((line) => line.includes('N0000')).length).toBe(10);

  // Delete two selected rows, then undo from the notification.
  await list.getByRole('checkbox', { name: '选择 N00000 Bulk' }).check();
  await list.getByRole('checkbox', { name: '选择 N00001 Bulk' }).check();
  await page.getByTestId('bulk-bar').getByRole('button', { name: '删除' }).click();
  await expect(page.getByTestId('list-count')).toHaveText('8 位联系人');
  await page.getByRole('button', { name: '撤销' }).click();
  await expect(page.getByTestId('list-count')).toHaveText('10 位联系人');

  // Delete one for good from the recycle bin: asked once, then gone.
  await list.getByRole('checkbox', { name: '选择 N00002 Bulk' }).check();
  await page.getByTestId('bulk-bar').getByRole('button', { name: '删除' }).click();
  await expect(page.getByTestId('list-count')).toHaveText('9 位联系人');
  await page.getByRole('tab', { name: '回收站' }).click();
  await page.getByRole('button', { name: '永久删除 N00002 Bulk' }).click();
  const confirm = page.getByRole('dialog', { name: '永久删除?' });
  await expect(confirm).toContainText('无法撤销');
  await confirm.getByRole('button', { name: '永久删除' }).click();
  await expect(page.getByTestId('bin-empty')).toBeVisible();

  // Tags page and the companies list at phone width.
  await page.setViewportSize({ width: 375, height: 740 });
  await page.getByRole('tab', { name: '标签与分类' }).click();
  await expect(page.getByRole('heading', { name: '联系人分类' })).toBeVisible();
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await screenshot(page, 'customers-tags-phone');
  await page.getByRole('tab', { name: '公司' }).click();
  await expect(page.getByTestId('list-empty')).toContainText('还没有公司');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await screenshot(page, 'customers-companies-phone');
});
