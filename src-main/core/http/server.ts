/**
 * Browser mode and the local integration API: the same dispatcher as the
 * desktop app, over HTTP.
 *
 * - `POST /rpc/<method>`  JSON body in, `{ ok, value } | { ok: false, error }` out;
 *   `Authorization: Bearer <session token>`.
 * - `GET /rpc`            every method with its input/output JSON Schema.
 * - `GET /openapi.json`   the same as an OpenAPI 3.1 document.
 * - `GET /events`         server-sent events (data.changed, session.locked, ...).
 * - everything else       the built renderer (single-page app).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { EventName } from '../../../src-shared/contract';
import type { ErrorCode } from '../../../src-shared/errors';
import type { Core } from '../index';
import { apiListing, openApiDocument } from './openapi';

const MAX_BODY = 20 * 1024 * 1024;

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION_ERROR: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNKNOWN_METHOD: 404,
  CONFLICT: 409,
  ALREADY_SET_UP: 409,
  NOT_SET_UP: 409,
  SESSION_LOCKED: 423,
  ACCOUNT_LOCKED: 429,
  INTERNAL: 500,
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

const EVENTS: EventName[] = ['data.changed', 'session.locked', 'job.progress'];

export interface HttpOptions {
  core: Core;
  /** Folder of the built renderer; omitted: API only. */
  staticDir?: string | null;
  host?: string;
  port?: number;
}

export interface HarborHttpServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(data);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function bearer(req: IncomingMessage, url: URL): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || null;
  return url.searchParams.get('token');
}

/** Refuses cross-site browser requests (a page elsewhere posting to the local API). */
function crossOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

function serveStatic(res: ServerResponse, staticDir: string, pathname: string): void {
  const root = resolve(staticDir);
  let file = normalize(join(root, decodeURIComponent(pathname)));
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Renderer not built: run npm run build');
    return;
  }
  const immutable = pathname.startsWith('/assets/');
  res.writeHead(200, {
    'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(res);
}

export function startHttpServer(options: HttpOptions): Promise<HarborHttpServer> {
  const { core, staticDir = null, host = '127.0.0.1', port = 5174 } = options;
  const streams = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    securityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (url.pathname === '/rpc' && req.method === 'GET') return sendJson(res, 200, apiListing());
      if (url.pathname === '/openapi.json' && req.method === 'GET') return sendJson(res, 200, openApiDocument());
      if (url.pathname.startsWith('/rpc/')) {
        if (req.method !== 'POST') {
          res.writeHead(405, { Allow: 'POST' }).end();
          return;
        }
        if (crossOrigin(req)) return sendJson(res, 403, { ok: false, error: { code: 'FORBIDDEN', messageKey: 'errors.FORBIDDEN' } });
        const method = decodeURIComponent(url.pathname.slice('/rpc/'.length));
        const body = await readBody(req);
        let input: unknown = {};
        if (body.trim()) {
          try {
            input = JSON.parse(body);
          } catch {
            return sendJson(res, 400, {
              ok: false,
              error: { code: 'VALIDATION_ERROR', messageKey: 'errors.VALIDATION_ERROR', fields: [{ path: '', messageKey: 'validation.invalid' }] },
            });
          }
        }
        const result = await core.dispatcher.call(method, input, { token: bearer(req, url), origin: 'http' });
        return sendJson(res, result.ok ? 200 : STATUS_BY_CODE[result.error.code], result);
      }
      if (url.pathname === '/events' && req.method === 'GET') {
        const me = await core.dispatcher.call('auth.me', {}, { token: bearer(req, url), origin: 'http' });
        if (!me.ok) return sendJson(res, STATUS_BY_CODE[me.error.code], me);
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
        res.write(': connected\n\n');
        streams.add(res);
        const offs = EVENTS.map((event) =>
          core.events.on(event, (payload) => res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`)),
        );
        const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
        req.on('close', () => {
          clearInterval(ping);
          offs.forEach((off) => off());
          streams.delete(res);
        });
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      if (!staticDir) {
        res.writeHead(404).end();
        return;
      }
      serveStatic(res, staticDir, url.pathname);
    } catch (error) {
      console.error('[harbor] http error:', error instanceof Error ? error.message : String(error));
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', messageKey: 'errors.INTERNAL' } });
      else res.end();
    }
  });

  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolveServer({
        server,
        url: `http://${shownHost}:${address.port}/`,
        close: () =>
          new Promise<void>((done) => {
            for (const stream of streams) stream.end();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
