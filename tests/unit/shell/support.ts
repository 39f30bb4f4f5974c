/** Shared pieces of the shell tests (the fake `electron` is installed by each test file's vi.mock). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { tempDir } from '../../helpers/core';
import type { HarborBridge } from '../../../src-shared/contract';
import { fakeElectron, type FakeBrowserWindow, type FakeFrame } from '../../fakes/electron';

/** Lets queued IPC deliveries (microtasks, immediates) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs the real preload in `frame` and returns the page's `window` as the bridge left it. */
export async function loadPreload(frame: FakeFrame): Promise<Record<string, unknown>> {
  return fakeElectron().runPreload(frame, async () => {
    vi.resetModules();
    await import('../../../src-preload/index');
  });
}

/** The page's `window.harbor` after the preload ran in `win`'s main frame. */
export async function pageBridge(win: FakeBrowserWindow): Promise<HarborBridge> {
  const world = await loadPreload(win.webContents.mainFrame);
  return world.harbor as HarborBridge;
}

/** A fresh machine for one launch test: a temp root, the app's userData folder in it, and a built renderer to serve. */
export function shellFolders(prefix = 'harbor-shell-'): { root: string; userData: string; rendererDir: string } {
  const root = tempDir(prefix);
  const rendererDir = join(root, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Harbor</title>');
  return { root, userData: join(root, 'Harbor'), rendererDir };
}
