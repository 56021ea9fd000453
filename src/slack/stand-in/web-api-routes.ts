import type http from 'node:http';
import type { RecordedCalls } from './recorded-calls';
import type { UploadedFile } from './stand-in-types';
import type { StandInWorkspace, StandInWorkspaces } from './stand-in-workspaces';
import { uploadedContent } from './uploaded-content';

type Fault = { kind: 'ratelimit'; retryAfterSec: number } | { kind: 'error'; error: string } | { kind: 'http'; status: number };

export interface WebApiRoutesDeps {
  appToken: string;
  workspaces: StandInWorkspaces;
  files: Map<string, UploadedFile>;
  calls: RecordedCalls;
  /** Requests per minute allowed per method; beyond it the call gets 429 and is counted as a violation. */
  rateLimits?: Record<string, number>;
  /** The stand-in's address, known once it listens. */
  baseUrl(): string;
  /** Slack's answer to a call the token may make, for the token's workspace (none: the default one). */
  answer(method: string, args: Record<string, unknown>, ws?: StandInWorkspace): Record<string, unknown>;
}

/**
 * The stand-in's HTTP side, routed as Slack routes it: /api/<method> (token checks, queued faults and
 * per-method rate limits before the answer), file upload URLs, response_url posts, and the OAuth
 * authorize page. Every request is recorded.
 */
export class WebApiRoutes {
  readonly rateLimitViolations: { method: string; at: number }[] = [];
  private readonly faults = new Map<string, Fault[]>();
  private readonly windowCalls = new Map<string, number[]>();

  constructor(private readonly deps: WebApiRoutesDeps) {}

  /** The next call to `method` fails this way (queued; each is used once). */
  failNext(method: string, fault: { status: 429; retryAfterSec?: number } | { error: string } | { status: number }): void {
    const list = this.faults.get(method) ?? [];
    if ('error' in fault) list.push({ kind: 'error', error: fault.error });
    else if (fault.status === 429) list.push({ kind: 'ratelimit', retryAfterSec: (fault as { retryAfterSec?: number }).retryAfterSec ?? 1 });
    else list.push({ kind: 'http', status: fault.status });
    this.faults.set(method, list);
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { calls, workspaces } = this.deps;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.deps.baseUrl());

    if (url.pathname === '/oauth/v2/authorize') return workspaces.authorize(url, res);
    if (url.pathname.startsWith('/upload/')) return this.handleUpload(url.pathname.slice('/upload/'.length), req, raw, res);
    if (url.pathname.startsWith('/response/')) {
      calls.record('response_url', parseBody(req, raw), undefined, 200, { ok: true });
      return send(res, 200, { ok: true });
    }
    if (!url.pathname.startsWith('/api/')) return send(res, 404, { ok: false, error: 'not_found' });

    const method = url.pathname.slice('/api/'.length);
    const args = { ...Object.fromEntries(url.searchParams), ...parseBody(req, raw) };
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof args.token === 'string' ? args.token : undefined;

    const fault = this.faults.get(method)?.shift();
    if (fault?.kind === 'ratelimit') {
      calls.record(method, args, token, 429, { ok: false, error: 'ratelimited' });
      res.setHeader('Retry-After', String(fault.retryAfterSec));
      return send(res, 429, { ok: false, error: 'ratelimited' });
    }
    if (fault?.kind === 'http') {
      calls.record(method, args, token, fault.status, { ok: false, error: 'http_error' });
      return send(res, fault.status, { ok: false, error: 'http_error' });
    }
    if (this.overRateLimit(method)) {
      this.rateLimitViolations.push({ method, at: Date.now() });
      calls.record(method, args, token, 429, { ok: false, error: 'ratelimited' });
      res.setHeader('Retry-After', '1');
      return send(res, 429, { ok: false, error: 'ratelimited' });
    }

    // oauth.v2.access takes the app's client credentials, apps.connections.open the app token, the rest a bot token.
    const owner = token && method !== 'apps.connections.open' ? workspaces.ofToken(token) : {};
    let body: Record<string, unknown>;
    if (fault?.kind === 'error') body = { ok: false, error: fault.error };
    else if (method === 'oauth.v2.access') body = workspaces.access(args, req.headers.authorization);
    else if (token === undefined) body = { ok: false, error: 'not_authed' };
    else if (method === 'apps.connections.open') body = token === this.deps.appToken ? this.deps.answer(method, args) : { ok: false, error: 'invalid_auth' };
    else if (owner.revoked) body = { ok: false, error: 'token_revoked' };
    else if (!owner.ws) body = { ok: false, error: 'invalid_auth' };
    else body = this.deps.answer(method, args, owner.ws);
    calls.record(method, args, token, 200, body, owner.ws?.teamId);
    send(res, 200, body);
  }

  private async handleUpload(id: string, req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): Promise<void> {
    const file = this.deps.files.get(id);
    if (!file) return send(res, 404, { ok: false, error: 'file_not_found' });
    file.content = await uploadedContent(file.content, req.headers['content-type'] ?? '', raw);
    this.deps.calls.record('upload', { id, bytes: raw.length }, undefined, 200, { ok: true });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${raw.length}`);
  }

  private overRateLimit(method: string): boolean {
    const limit = this.deps.rateLimits?.[method];
    if (!limit) return false;
    const now = Date.now();
    const recent = (this.windowCalls.get(method) ?? []).filter((t) => now - t < 60000);
    const over = recent.length >= limit;
    if (!over) recent.push(now);
    this.windowCalls.set(method, recent);
    return over;
  }
}

function parseBody(req: http.IncomingMessage, raw: Buffer): Record<string, unknown> {
  if (!raw.length) return {};
  const type = req.headers['content-type'] ?? '';
  const text = raw.toString('utf8');
  if (type.includes('application/json')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  // The Web API client form-encodes, with objects and arrays as JSON strings.
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    if (/^[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // plain text that happens to start with a bracket
      }
    }
    out[k] = v;
  }
  return out;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
