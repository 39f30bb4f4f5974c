/**
 * Two Harbors in browser mode on loopback: the first shows a pairing code on
 * its Sync page, the second (fresh) joins from the first-run screen, receives
 * the office and signs in with the office's account; both show their peer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

test('a new desktop joins the office with the pairing code and signs in with the office account', async ({ harbor, office, page, browser }) => {
  test.setTimeout(90_000);
  await page.goto(harbor.url);
  await signIn(page, office.username, office.password);
  await page.goto(`${harbor.url}#/sync`);
  await expect(page.getByTestId('sync-settings')).toBeVisible();
  await page.getByTestId('pair-start').click();
  const code = (await page.getByTestId('pairing-code').innerText()).replace(/\s/g, '');
  const port = await page.getByTestId('pairing-port').innerText();
  expect(code).toMatch(/^\d{8}$/);
  await screenshot(page, 'sync-pairing-zh');

  const second = await secondHarbor();
  const context = await browser.newContext({ locale: 'zh-CN' });
  try {
    const other = await context.newPage();
    await other.goto(second.url);
    await other.getByTestId('join-office-link').click();
    await expect(other.getByTestId('join-office')).toBeVisible();
    await other.getByLabel('另一台电脑的地址').fill('127.0.0.1');
    await other.getByLabel('端口').fill(port);
    await other.getByLabel('配对码').fill(code);
    await other.getByLabel('本机名称').fill('后台电脑');
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
