/**
 * Two Harbors in browser mode on loopback: the first shows a pairing code on
 * its Sync page, the second (fresh) joins from the first-run screen, receives
 * the office and signs in with the office's account; both show their peer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';
import { expect, screenshot, signIn, test } from './fixtures';

// Sync servers of these Harbors listen on loopback only, without multicast discovery.
process.env.HARBOR_SYNC_HOST = '127.0.0.1';
process.env.HARBOR_SYNC_DISCOVERY = 'off';
process.env.HARBOR_SYNC_PORT = '0';

async function secondHarbor(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'harbor-e2e-join-'));
  const child: ChildProcess = spawn(process.execPath, [resolve(import.meta.dirname, '../../out/main/serve.js'), '--data-dir', dataDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let output = '';
  const url = await new Promise<string>((done, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Open (http:\/\/\S+)/.exec(output);
      if (m?.[1]) done(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`second Harbor exited with ${code}: ${output}`)));
  });
  return {
    url,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The other desktop's address and port, the pairing code and this desktop's name, in a join (or join again) form. */
async function fillJoinForm(form: Locator, port: string, code: string, name: string): Promise<void> {
  await form.getByLabel('另一台电脑的地址').fill('127.0.0.1');
  await form.getByLabel('端口').fill(port);
  await form.getByLabel('配对码').fill(code);
  await form.getByLabel('本机名称').fill(name);
}

/** A second browser (zh-CN) on the join screen of a fresh Harbor's first run. */
async function joinScreen(browser: Browser, url: string): Promise<{ context: BrowserContext; other: Page }> {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const other = await context.newPage();
  await other.goto(url);
  await other.getByTestId('join-office-link').click();
  await expect(other.getByTestId('join-office')).toBeVisible();
  return { context, other };
}

/** Opens a pairing code on the Sync page; returns the code and port shown. */
async function openPairing(page: Page): Promise<{ code: string; port: string }> {
  await page.getByTestId('pair-start').click();
  const code = (await page.getByTestId('pairing-code').innerText()).replace(/\s/g, '');
  const port = await page.getByTestId('pairing-port').innerText();
  expect(code).toMatch(/^\d{8}$/);
  return { code, port };
}

test('a new desktop joins the office with the pairing code and signs in with the office account', async ({ harbor, office, page, browser }) => {
  test.setTimeout(90_000);
  await page.goto(harbor.url);
  await signIn(page, office.username, office.password);
  await page.goto(`${harbor.url}#/sync`);
  await expect(page.getByTestId('sync-settings')).toBeVisible();
  const { code, port } = await openPairing(page);
  await screenshot(page, 'sync-pairing-zh');

  const second = await secondHarbor();
  const { context, other } = await joinScreen(browser, second.url);
  try {
    await fillJoinForm(other.getByTestId('join-form'), port, code, '后台电脑');
    await screenshot(other, 'sync-join-zh');
    await other.getByRole('button', { name: '加入' }).click();
    // The office arrives in the background; then the sign-in screen of the office shows.
    await expect(other.getByLabel(/用户名/)).toBeVisible({ timeout: 20_000 });
    await signIn(other, office.username, office.password);
    await expect(other.getByTestId('office-name')).toHaveText(office.officeName);
    await expect(other.getByTestId('sync-indicator')).toHaveAttribute('data-state', 'idle', { timeout: 20_000 });
    await other.goto(`${second.url}#/sync`);
    await expect(other.getByTestId('sync-peers')).toContainText('127.0.0.1');
    await screenshot(other, 'sync-joined-zh');
  } finally {
    await context.close();
    await second.stop();
  }
  await page.getByRole('button', { name: '关闭配对码' }).click().catch(() => undefined);
  await expect(page.getByTestId('sync-peers')).toContainText('后台电脑');
  await screenshot(page, 'sync-peers-zh');
});

test('an administrator removes a desktop, then lets it join the office again from its Sync page', async ({ harbor, office, page, browser }) => {
  test.setTimeout(120_000);
  await page.goto(harbor.url);
  await signIn(page, office.username, office.password);
  await page.goto(`${harbor.url}#/sync`);
  const first = await openPairing(page);
  const second = await secondHarbor();
  const { context, other } = await joinScreen(browser, second.url);
  try {
    await fillJoinForm(other.getByTestId('join-form'), first.port, first.code, '前台笔记本');
    await other.getByRole('button', { name: '加入' }).click();
    await expect(other.getByLabel(/用户名/)).toBeVisible({ timeout: 20_000 });
    await signIn(other, office.username, office.password);
    await page.getByRole('button', { name: '关闭配对码' }).click().catch(() => undefined);

    // The first desktop removes it (asked once).
    await expect(page.getByTestId('sync-peers')).toContainText('前台笔记本', { timeout: 20_000 });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('sync-peers').getByRole('button', { name: '前台笔记本' }).click();
    await page.getByRole('menuitem', { name: '移除' }).click();
    await expect(page.getByText('已移除 前台笔记本。')).toBeVisible();

    // The removed desktop hears it at its next round and offers to join again.
    await other.goto(`${second.url}#/sync`);
    await other.getByRole('button', { name: '立即同步' }).click();
    await expect(other.getByTestId('sync-rejoin')).toBeVisible({ timeout: 20_000 });
    await expect(other.getByTestId('sync-settings')).toContainText('本机已被移出办公室');
    await screenshot(other, 'sync-removed-zh');

    // An administrator opens a new code on the first desktop; the removed one joins again with it.
    const again = await openPairing(page);
    await fillJoinForm(other.getByTestId('rejoin-form'), again.port, again.code, '前台笔记本(新)');
    await other.getByRole('button', { name: '重新加入' }).click();
    await expect(other.getByTestId('sync-rejoin')).toBeHidden({ timeout: 20_000 });
    await expect(other.getByTestId('sync-indicator')).toHaveAttribute('data-state', 'idle', { timeout: 20_000 });
    await page.getByRole('button', { name: '关闭配对码' }).click().catch(() => undefined);
    await expect(page.getByTestId('sync-peers')).toContainText('前台笔记本(新)', { timeout: 20_000 });
    await screenshot(page, 'sync-rejoined-zh');
  } finally {
    await context.close();
    await second.stop();
  }
});
