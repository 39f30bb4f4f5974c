/**
 * Every test gets its own Harbor: `node out/main/serve.js` on a free port
 * with a fresh data folder (a real encrypted database), stopped and removed
 * afterwards. `office` sets the office up through the HTTP API, for tests
 * that start at the sign-in screen.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

const SERVE = resolve(import.meta.dirname, '../../out/main/serve.js');

export interface Harbor {
  url: string;
  dataDir: string;
  /** Calls one API method over HTTP, the way an integrator would. */
  rpc<T = unknown>(method: string, input: unknown, token?: string): Promise<{ ok: boolean; value?: T; error?: { code: string } }>;
}

export interface Office {
  officeName: string;
  username: string;
  password: string;
  displayName: string;
}

async function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [SERVE, '--data-dir', dataDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Open (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return { child, url };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export const test = base.extend<{ harbor: Harbor; office: Office }>({
  // Playwright requires the destructuring pattern even when no other fixture is used.
  // eslint-disable-next-line no-empty-pattern
  harbor: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'harbor-e2e-'));
    const { child, url } = await startServer(dataDir);
    const rpc: Harbor['rpc'] = async (method, input, token) => {
      const response = await fetch(new URL(`rpc/${method}`, url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(input),
      });
      return (await response.json()) as never;
    };
    try {
      await use({ url, dataDir, rpc });
    } finally {
      await stopServer(child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
  office: async ({ harbor }, use) => {
    const office: Office = {
      officeName: '海港贸易',
      username: 'admin',
      password: 'Harbor-Test-2024!',
      displayName: '陈静',
    };
    const result = await harbor.rpc('system.setup', {
      officeName: office.officeName,
      language: 'zh-CN',
      currency: 'CNY',
      admin: { displayName: office.displayName, username: office.username, password: office.password },
      loadSampleData: false,
    });
    expect(result.ok).toBe(true);
    await use(office);
  },
});

export { expect };

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel(/用户名|Username/).fill(username);
  await page.getByLabel(/^(密码|Password)/).fill(password);
  await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
}

/** Calls the API from inside the page with the page's own session token, as the app does. */
export async function rpcInPage<T>(page: Page, method: string): Promise<{ ok: boolean; value: T; error?: { code: string } }> {
  return page.evaluate(async (name) => {
    // Runs in the page; this file is type-checked without the DOM library.
    const storage = (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage;
    const response = await fetch(`/rpc/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${storage.getItem('harbor.token')}` },
      body: '{}',
    });
    return (await response.json()) as { ok: boolean; value: T; error?: { code: string } };
  }, method);
}

/** How many CSS pixels the page is wider than the window (0 when nothing overflows sideways). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const view = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return view.document.documentElement.scrollWidth - view.innerWidth;
  });
}
