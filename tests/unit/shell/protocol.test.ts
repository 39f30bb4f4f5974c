import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/core/http/server';
import {
  APP_ENTRY_URL,
  handleAppProtocol,
  registerAppScheme,
  resolveAppFile,
} from '../../../src-main/shell/protocol';
import { tempDir } from '../../helpers/core';
import { resetFakeElectron, type FakeElectron } from '../../fakes/electron';

vi.mock('electron', async () => (await import('../../fakes/electron')).electronModule);

let fake: FakeElectron;
let root: string;
let outside: string;

beforeEach(() => {
  fake = resetFakeElectron();
  outside = tempDir('harbor-protocol-');
  root = join(outside, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Harbor</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(outside, 'secret.txt'), 'not for the page');
});

afterEach(() => {
  rmSync(outside, { recursive: true, force: true });
});

describe('app:// protocol', () => {
  it('is registered as a standard, secure scheme before ready, and handled after', () => {
    registerAppScheme();
    expect(fake.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(() => handleAppProtocol(root)).toThrow(/before app is ready/);
    fake.app.emitReady();
    handleAppProtocol(root);
    expect(fake.protocol.isProtocolHandled('app')).toBe(true);
    expect(() => registerAppScheme()).toThrow(/before app is ready/);
  });

  it('serves the renderer with the CSP as a header', async () => {
    fake.app.emitReady();
    handleAppProtocol(root);
    const page = await fake.protocol.fetch(APP_ENTRY_URL);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>Harbor</title>');
    const script = await fake.protocol.fetch('app://harbor/assets/app.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');
    // Client-side routes get the app; a missing asset is a 404.
    expect(await (await fake.protocol.fetch('app://harbor/customers/42')).text()).toContain('Harbor');
    expect((await fake.protocol.fetch('app://harbor/assets/missing.js')).status).toBe(404);
    expect((await fake.protocol.fetch('app://elsewhere/index.html')).status).toBe(403);
  });

  it('refuses every way out of the renderer folder', async () => {
    fake.app.emitReady();
    handleAppProtocol(root);
    for (const url of [
      'app://harbor/..%2fsecret.txt',
      'app://harbor/assets/..%2f..%2fsecret.txt',
      'app://harbor/%2e%2e%2fsecret.txt',
      'app://harbor/..%5csecret.txt',
      'app://harbor/index.html%00.js',
      'app://harbor/%E0%A4%A',
    ]) {
      const response = await fake.protocol.fetch(url);
      expect(response.status, url).toBe(403);
      expect(await response.text()).not.toContain('not for the page');
    }
    // The URL parser already folds plain dot segments; they stay inside.
    expect(resolveAppFile(root, 'app://harbor/../secret.txt')).toBe(join(root, 'secret.txt'));
    expect(resolveAppFile(root, 'file:///etc/passwd')).toBeNull();
  });
});
