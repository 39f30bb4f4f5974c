import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methods } from '../../src-shared/contract';
import { startHttpServer, type HarborHttpServer } from '../../src-main/core/http/server';
import { ADMIN, makeTestCore, setUpOffice, tempDir, type TestCore } from '../helpers/core';

let core: TestCore;
let http: HarborHttpServer;
let base: string;

beforeAll(async () => {
  core = makeTestCore();
  const staticDir = tempDir();
  mkdirSync(join(staticDir, 'assets'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Harbor</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  http = await startHttpServer({ core, staticDir, port: 0 });
  base = http.url.replace(/\/$/, '');
});
afterAll(async () => {
  await http.close();
  core.dispose();
});

const post = (method: string, body: unknown, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/rpc/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('HTTP transport', () => {
  it('lists every method with JSON Schemas for input and output', async () => {
    const listing = (await (await fetch(`${base}/rpc`)).json()) as { methods: { name: string; input: { type: string }; output: unknown; access: string }[] };
    expect(listing.methods.map((m) => m.name).sort()).toEqual(Object.keys(methods).sort());
    const setup = listing.methods.find((m) => m.name === 'system.setup')!;
    expect(setup.input.type).toBe('object');
    expect(setup.access).toBe('public');
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/rpc/users.create');
  });

  it('runs calls through the dispatcher with the bearer token, and maps errors to HTTP statuses', async () => {
    const token = await setUpOffice(core);
    const me = await post('auth.me', {}, token);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { value: { user: { username: string } } }).value.user.username).toBe(ADMIN.username);
    expect((await post('auth.me', {})).status).toBe(401);
    const bad = await post('users.create', { username: 'x' }, token);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_ERROR');
    expect((await post('users.create', 'not json', token)).status).toBe(400);
    expect((await post('nope.nothing', {}, token)).status).toBe(404);
    expect((await fetch(`${base}/rpc/auth.me`)).status).toBe(405);
  });

  it('refuses cross-site requests from other origins', async () => {
    const res = await post('system.status', {}, undefined, { Origin: 'http://evil.example' });
    expect(res.status).toBe(403);
  });

  it('serves the renderer with a strict CSP, falls back to index.html, and refuses path traversal', async () => {
    const page = await fetch(`${base}/some/route`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<title>Harbor</title>');
    const asset = await fetch(`${base}/assets/app.js`);
    expect(asset.headers.get('content-type')).toContain('javascript');
    const traversal = await fetch(`${base}/..%2f..%2f..%2fetc%2fpasswd`);
    expect([403, 200]).toContain(traversal.status);
    expect(await traversal.text()).not.toContain('root:');
  });

  it('streams data.changed events to a signed-in client', async () => {
    const token = (await (await post('auth.login', { username: ADMIN.username, password: ADMIN.password })).json()) as { value: { token: string } };
    const controller = new AbortController();
    const res = await fetch(`${base}/events`, { headers: { Authorization: `Bearer ${token.value.token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // ": connected"
    await post('settings.update', { officeName: 'Streamed' }, token.value.token);
    let text = '';
    while (!text.includes('data.changed')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"tables":["settings"]');
    controller.abort();
    expect((await fetch(`${base}/events`)).status).toBe(401);
  });
});
