import { webApi, type AnyMiddlewareArgs, type Middleware } from '@slack/bolt';

/**
 * What the Slack side reports for metrics, without knowing who counts (start-bot wires it to the
 * ops metrics). `error` is Slack's `ok: false`; `failed` a network or HTTP failure; `ratelimited` a 429.
 */
export interface SlackObserver {
  apiCall(method: string, outcome: 'ok' | 'error' | 'ratelimited' | 'failed'): void;
  /** A request from Slack reached the middleware; `lagSeconds` from Slack's own timestamp when it has one. */
  request(kind: SlackRequestKind, lagSeconds?: number): void;
}

export type SlackRequestKind = 'event' | 'command' | 'action' | 'view' | 'shortcut' | 'options' | 'other';

const OBSERVED = Symbol('dockhand.slackObserver');
type MakeRequest = (url: string, body: Record<string, unknown>, headers?: Record<string, string>) => Promise<unknown>;

// Web API methods are dotted names; anything else (a files.uploadV2 upload URL) is one bounded label.
const METHOD = /^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$/;
export const methodLabel = (url: string): string => {
  const last = url.split('?')[0]!.split('/').filter(Boolean).pop() ?? '';
  return METHOD.test(last) ? last : 'upload';
};

/**
 * Counts every HTTP request `client` sends, by method and outcome. Install it BEFORE the rate-limit
 * gate: the gate wraps this wrapper, so a request retried after a 429 is counted once per attempt.
 * Idempotent.
 */
export function observeWebApi(client: webApi.WebClient, observer: SlackObserver): webApi.WebClient {
  const c = client as unknown as { [OBSERVED]?: boolean; makeRequest: MakeRequest };
  if (c[OBSERVED]) return client;
  const original = c.makeRequest.bind(c);
  c.makeRequest = async (url, body, headers) => {
    const method = methodLabel(url);
    let response: unknown;
    try {
      response = await original(url, body, headers);
    } catch (err) {
      const code = (err as { code?: string })?.code;
      observer.apiCall(method, code === webApi.ErrorCode.RateLimitedError ? 'ratelimited' : 'failed');
      throw err;
    }
    // The body is Slack's JSON ({ ok: ... }); a clone is read so the WebClient still reads the original.
    const clone = (response as { clone?: () => { json(): Promise<unknown> } }).clone?.();
    if (!clone) observer.apiCall(method, 'ok');
    else
      void clone.json().then(
        (data) => observer.apiCall(method, (data as { ok?: unknown })?.ok === false ? 'error' : 'ok'),
        () => observer.apiCall(method, 'ok'),
      );
    return response;
  };
  c[OBSERVED] = true;
  return client;
}

interface KindBody {
  type?: string;
  command?: string;
  event_time?: number;
  actions?: { action_ts?: string }[];
}

export function requestKind(b: KindBody): SlackRequestKind {
  if (b.type === 'event_callback') return 'event';
  if (typeof b.command === 'string') return 'command';
  if (b.type === 'block_actions' || b.type === 'interactive_message') return 'action';
  if (b.type === 'view_submission' || b.type === 'view_closed') return 'view';
  if (b.type === 'shortcut' || b.type === 'message_action') return 'shortcut';
  if (b.type === 'block_suggestion') return 'options';
  return 'other';
}

/** Reports each incoming request and, when Slack stamped it (event_time, action_ts), how late it arrived. */
export function observeRequests(observer: SlackObserver, now: () => number = Date.now): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const b = body as KindBody;
    const stamp = typeof b.event_time === 'number' ? b.event_time : Number(b.actions?.[0]?.action_ts);
    const lag = Number.isFinite(stamp) && stamp > 0 ? now() / 1000 - stamp : undefined;
    try {
      observer.request(requestKind(b), lag);
    } catch {
      // metrics never stop a request
    }
    await next();
  };
}
