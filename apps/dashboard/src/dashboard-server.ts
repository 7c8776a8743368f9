// The dashboard: one HTTP listener serving the page (static files, read once at start) and the
// JSON API under /api/. Bad requests get an error answer with a documented code and the
// listener carries on; nothing here writes to the store except a test message sent on request.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { AdminClient } from '@contrail/admin';
import { createLogger, type Logger } from '@contrail/common';
import { Producer } from '@contrail/client';
import { ROUTES, type ApiContext, type Route } from './api.js';
import { HttpError, errorAnswer } from './http-error.js';

export interface DashboardOptions {
  /** NameServer addresses: "h1:9876;h2:9876" or a list. */
  namesrvAddr: string | readonly string[];
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Timeout of each request to a NameServer or broker (default 5000 ms). */
  requestTimeoutMs?: number;
  logger?: Logger;
}

/** Largest request body the API reads (a test message of 64 KiB, as JSON, fits). */
export const MAX_BODY_BYTES = 256 * 1024;

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

function loadStatic(): Map<string, { body: Buffer; type: string }> {
  const dir = fileURLToPath(new URL('../../static/', import.meta.url));
  const out = new Map<string, { body: Buffer; type: string }>();
  for (const [path, { file, type }] of Object.entries(STATIC_FILES)) out.set(path, { body: readFileSync(dir + file), type });
  return out;
}

interface Match {
  route: Route;
  params: string[];
}

/** Each route with its path split into segments once. */
const ROUTE_PARTS = ROUTES.map((route) => ({ route, parts: route.path.split('/').slice(1) }));

/** The route for the path's segments, and every method the path allows. */
function match(method: string, segments: string[]): { found: Match | undefined; allowed: string[] } {
  const allowed: string[] = [];
  let found: Match | undefined;
  for (const { route, parts } of ROUTE_PARTS) {
    if (parts.length !== segments.length) continue;
    const params: string[] = [];
    let same = true;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      const s = segments[i] as string;
      if (p.startsWith(':')) params.push(s);
      else if (p !== s) {
        same = false;
        break;
      }
    }
    if (!same) continue;
    allowed.push(route.method);
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) found ??= { route, params };
  }
  return { found, allowed };
}

/** An address only this machine can reach. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * Bound to loopback, the dashboard answers only requests addressed to it by IP or as
 * localhost: a web page whose own host name has been re-pointed at 127.0.0.1 (DNS rebinding)
 * would otherwise be same-origin with it and could use the API.
 */
function checkHostHeader(bindHost: string, header: string | undefined): void {
  if (!isLoopback(bindHost)) return;
  const hostname = (header ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (hostname === 'localhost' || isIP(hostname) !== 0) return;
  throw new HttpError('BAD_REQUEST', `the dashboard on ${bindHost} answers requests for localhost or an IP address, not for ${JSON.stringify(hostname.slice(0, 100))}`);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new HttpError('PAYLOAD_TOO_LARGE', `the request body is ${declared} bytes; the limit is ${MAX_BODY_BYTES}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError('PAYLOAD_TOO_LARGE', `the request body is over the limit of ${MAX_BODY_BYTES} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJsonBody(req: IncomingMessage, raw: Buffer): unknown {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  // Only JSON: a cross-site form post (text/plain, form encodings) cannot reach the API's writes.
  if (type !== 'application/json') throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `send the body as application/json, not ${type === '' ? 'no content type' : type}`);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new HttpError('BAD_REQUEST', `the body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export class DashboardServer {
  readonly #server: Server;
  readonly #admin: AdminClient;
  readonly #namesrvAddr: string;
  readonly #log: Logger;
  readonly #static = loadStatic();
  readonly #host: string;
  readonly #port: number;
  #producer: Promise<Producer> | undefined;
  readonly #ctx: ApiContext;

  constructor(options: DashboardOptions) {
    this.#namesrvAddr = typeof options.namesrvAddr === 'string' ? options.namesrvAddr : options.namesrvAddr.join(';');
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 8080;
    this.#log = options.logger ?? createLogger('dashboard');
    this.#admin = new AdminClient({ namesrvAddr: options.namesrvAddr, requestTimeoutMs: options.requestTimeoutMs ?? 5000 });
    this.#ctx = { admin: this.#admin, namesrvAddr: this.#namesrvAddr, producer: () => this.#testProducer() };
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => this.#answerError(res, err));
    });
    // Bytes that are not HTTP: answer 400 where the socket still takes it, keep listening.
    this.#server.on('clientError', (err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nBAD_REQUEST: not an HTTP request\n');
      else socket.destroy();
      this.#log.debug({ err }, 'dashboard: bad HTTP bytes from a client');
    });
  }

  /** The bound port (after start). */
  get port(): number {
    const a = this.#server.address();
    return a !== null && typeof a === 'object' ? (a as AddressInfo).port : 0;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.#server.once('error', onError);
      this.#server.listen(this.#port, this.#host, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
  }

  async shutdown(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    const producer = this.#producer;
    this.#producer = undefined;
    if (producer !== undefined) await producer.then((p) => p.shutdown()).catch(() => undefined);
    await this.#admin.shutdown();
  }

  #testProducer(): Promise<Producer> {
    this.#producer ??= (async () => {
      const p = new Producer({ namesrvAddr: this.#namesrvAddr, producerGroup: 'CONTRAIL_DASHBOARD_PRODUCER' });
      await p.start();
      return p;
    })();
    return this.#producer;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    checkHostHeader(this.#host, req.headers.host);
    const target = req.url ?? '/';
    // Only origin-form targets ("/path?query"); parsed as a path, never as a host name.
    if (!target.startsWith('/')) throw new HttpError('BAD_REQUEST', 'the request target must be a path');
    let url: URL;
    try {
      url = new URL(`http://dashboard${target}`);
    } catch {
      throw new HttpError('BAD_REQUEST', 'the request target is not a valid path');
    }
    const path = url.pathname;
    if (!path.startsWith('/api/')) return this.#serveStatic(method, path, res);
    let segments: string[];
    try {
      segments = path.split('/').slice(1).map((s) => decodeURIComponent(s));
    } catch {
      throw new HttpError('BAD_REQUEST', 'the path is not valid percent-encoding');
    }
    const { found, allowed } = match(method, segments);
    if (found === undefined) {
      if (allowed.length > 0) throw new HttpError('METHOD_NOT_ALLOWED', `${method} is not served at ${path}; use ${allowed.join(', ')}`, { allow: allowed.join(', ') });
      throw new HttpError('NOT_FOUND', `no API at ${path}`);
    }
    let body: unknown;
    if (found.route.method === 'POST') body = parseJsonBody(req, await readBody(req));
    const answer = await found.route.handler(this.#ctx, { params: found.params, query: url.searchParams, body });
    this.#send(res, answer.status, answer.json, {}, method === 'HEAD');
  }

  #serveStatic(method: string, path: string, res: ServerResponse): void {
    const file = this.#static.get(path);
    if (file === undefined) throw new HttpError('NOT_FOUND', `no page at ${path}`);
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError('METHOD_NOT_ALLOWED', `${method} is not served at ${path}; use GET`, { allow: 'GET, HEAD' });
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-cache' });
    res.end(method === 'HEAD' ? undefined : file.body);
  }

  #answerError(res: ServerResponse, err: unknown): void {
    const a = errorAnswer(err);
    if (a.status >= 500) this.#log.warn({ err }, 'dashboard request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // An early answer (413) leaves the rest of the body unread: close rather than read on.
    const close = a.status === 413 ? { connection: 'close' } : {};
    this.#send(res, a.status, { error: { code: a.code, message: a.message } }, { ...a.headers, ...close }, false);
  }

  #send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string>, headOnly: boolean): void {
    const body = Buffer.from(JSON.stringify(json), 'utf8');
    res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store' });
    res.end(headOnly ? undefined : body);
  }
}
