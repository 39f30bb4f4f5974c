/**
 * Browser mode: `npm run serve -- [--port 5174] [--host 127.0.0.1] [--data-dir DIR]`.
 * Opens the office database with a key file beside it, resumes sync, and serves the app over HTTP.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isApiError } from '../src-shared/errors';
import { en } from '../src-shared/i18n/en';
import { startBrowserMode } from './browser-mode';
import { defaultDataDir } from './core/paths';
import { APP_VERSION, PRODUCT_NAME } from './version';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.HARBOR_PORT ?? '5174' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('Usage: npm run serve -- [--port 5174] [--host 127.0.0.1] [--data-dir DIR]');
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port: ${values.port}`);
  const dataDir = values['data-dir'] ?? defaultDataDir(PRODUCT_NAME);
  const running = await startBrowserMode({
    dataDir,
    host: values.host,
    port,
    staticDir: join(import.meta.dirname, '../renderer'),
    appVersion: APP_VERSION,
  });
  console.log(`Harbor ${APP_VERSION} (browser mode)`);
  console.log(`Data folder: ${dataDir}`);
  console.log(`Open ${running.http.url}`);

  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  // Explain known failures (wrong key, newer database) in words, never with a stack trace.
  const key = error && typeof error === 'object' && 'messageKey' in error ? String((error as { messageKey: string }).messageKey) : null;
  if (key?.startsWith('errors.')) {
    const template = (en.errors as Record<string, string>)[key.slice('errors.'.length)] ?? key;
    const params = (error as { params?: Record<string, unknown> }).params ?? {};
    console.error(template.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => String(params[name] ?? '')));
  } else {
    console.error(isApiError(error) ? error.messageKey : error instanceof Error ? error.message : String(error));
  }
  process.exit(1);
});
