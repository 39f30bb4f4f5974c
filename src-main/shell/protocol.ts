/**
 * The renderer is served from `app://harbor/`, a privileged custom scheme
 * (standard + secure), rather than `file://`: the page gets a real origin,
 * `'self'` in the CSP means our files only, the CSP also arrives as a response
 * header, and no path outside the built renderer can be read.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { protocol } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../core/http/server';

export const APP_SCHEME = 'app';
export const APP_HOST = 'harbor';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;
/** The page shown while an older office database is upgraded (shell/upgrade.ts). */
export const APP_UPGRADE_URL = `${APP_SCHEME}://${APP_HOST}/upgrade.html`;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

/** Must run before `app.whenReady()` resolves. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Whether `url` is a page of the app itself. */
export function isAppProtocolUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * The file under `rootDir` that `url` names, or null when the URL is not ours
 * or tries to leave the folder (`..`, encoded separators, NUL bytes).
 */
export function resolveAppFile(rootDir: string, url: string): string | null {
  if (!isAppProtocolUrl(url)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  if (pathname.split('/').some((part) => part === '..')) return null;
  const root = resolve(rootDir);
  const file = resolve(join(root, pathname));
  if (file !== root && !file.startsWith(root + sep)) return null;
  return file;
}

function respond(status: number, body: Uint8Array | string | null, contentType = 'text/plain; charset=utf-8'): Response {
  return new Response(body, {
    status,
    headers: {
      'Content-Type': contentType,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    },
  });
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Answers one `app://` request from the built renderer in `rootDir`. */
export async function serveAppRequest(rootDir: string, request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, null);
  let file = resolveAppFile(rootDir, request.url);
  if (!file) return respond(403, null);
  if (!(await isFile(file))) {
    // Client-side routes (no extension) get the single-page app; missing assets are 404.
    if (extname(file) !== '') return respond(404, null);
    file = join(resolve(rootDir), 'index.html');
    if (!(await isFile(file))) return respond(404, 'Renderer not built: run npm run build');
  }
  const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(file));
  return respond(200, body, CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
}

/** Serves `rootDir` on `app://harbor/`; after `app.whenReady()`. */
export function handleAppProtocol(rootDir: string): void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(rootDir, request));
}
