import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// electron-builder's own loader and schema check, so the test reads the config as packaging will.
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util/out/DebugLogger';
import pkg from '../../../package.json' with { type: 'json' };

const root = join(import.meta.dirname, '../../..');

async function loadConfig() {
  const config = await getConfig(root, null, null);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

function targetsOf(platform: unknown): string[] {
  const target = (platform as { target?: unknown } | null)?.target;
  const list = Array.isArray(target) ? target : [target];
  return list.map((t) => (typeof t === 'string' ? t : (t as { target: string }).target));
}

describe('electron-builder configuration', () => {
  it('is valid for electron-builder and flips the security fuses of packaged builds', async () => {
    const config = await loadConfig();
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
  });

  it('builds an NSIS installer, a DMG, an AppImage and a deb from the electron-vite output', async () => {
    const config = await loadConfig();
    expect(targetsOf(config.win)).toEqual(['nsis']);
    expect(targetsOf(config.mac)).toEqual(['dmg']);
    expect(targetsOf(config.linux).sort()).toEqual(['AppImage', 'deb']);
    expect(JSON.stringify(config.files)).toContain('"out/**/*"');
    expect(config.productName).toBe(pkg.productName);
  });

  it('has the desktop scripts: native rebuild for Electron before start, back to Node before tests', () => {
    const scripts = pkg.scripts as Record<string, string>;
    expect(scripts['rebuild:electron']).toBe('electron-builder install-app-deps');
    expect(scripts.start).toMatch(/^npm run rebuild:electron && electron-vite build && electron-vite preview/);
    expect(scripts.package).toBe('electron-vite build && electron-builder');
    expect(scripts.pretest).toBe('node scripts/ensure-native.mjs');
    expect(pkg.main).toBe('out/main/index.js');
  });
});
