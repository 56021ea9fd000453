import { webApi } from '@slack/bolt';
import type { Logger } from '../../logger';
import { systemClock, type Clock } from './clock';

// Methods Slack limits per channel (about one message per second per channel); every other method is
// limited per workspace, by method (docs/platform-facts.md).
const PER_CHANNEL = new Set(['chat.postMessage', 'chat.postEphemeral', 'chat.scheduleMessage']);
const INSTALLED = Symbol('dockhand.rateLimitGate');

export interface RateLimitGateOptions {
  log: Logger;
  clock?: Clock;
  /** How long one request may keep waiting on 429s before it fails (its caller decides what then). */
  maxWaitMs?: number;
}

type MakeRequest = (url: string, body: Record<string, unknown>, headers?: Record<string, string>) => Promise<unknown>;

const methodOf = (url: string) => url.split('?')[0]!.split('/').filter(Boolean).pop() ?? url;

/**
 * A 429 pauses only what it applies to: that method (workspace-wide methods) or that method in that
 * channel (chat.postMessage), for Retry-After, and only the request that got it is retried. Bolt's
 * WebClient would instead pause its whole queue, so every learner slowed down for one channel's 429;
 * clients gated here are built with `rejectRateLimitedCalls: true` and wrapped by install().
 */
export class RateLimitGate {
  private readonly pausedUntil = new Map<string, number>();
  private readonly clock: Clock;
  private readonly maxWaitMs: number;

  constructor(private readonly opts: RateLimitGateOptions) {
    this.clock = opts.clock ?? systemClock;
    this.maxWaitMs = opts.maxWaitMs ?? 120_000;
  }

  /** What a 429 on this call pauses. */
  static keyOf(method: string, options: Record<string, unknown> = {}): string {
    const channel = options.channel ?? options.channel_id;
    return PER_CHANNEL.has(method) && typeof channel === 'string' ? `${method}:${channel}` : method;
  }

  /** Milliseconds until calls under `key` may go (0: now). */
  waitFor(key: string): number {
    return Math.max(0, (this.pausedUntil.get(key) ?? 0) - this.clock.now());
  }

  /**
   * Routes every Web API request of `client` through the gate (idempotent). The WebClient binds its
   * method functions to apiCall at construction, so the wrap is one level down, on makeRequest (the
   * method is the last part of the request URL).
   */
  install(client: webApi.WebClient): webApi.WebClient {
    const c = client as unknown as { [INSTALLED]?: boolean; makeRequest: MakeRequest };
    if (c[INSTALLED]) return client;
    const original = c.makeRequest.bind(c);
    c.makeRequest = (url, body, headers) => this.call(methodOf(url), body, () => original(url, body, headers));
    c[INSTALLED] = true;
    return client;
  }

  async call<T>(method: string, options: Record<string, unknown> | undefined, send: () => Promise<T>): Promise<T> {
    const key = RateLimitGate.keyOf(method, options);
    const started = this.clock.now();
    for (;;) {
      const wait = this.waitFor(key);
      if (wait > 0) {
        if (this.clock.now() + wait - started > this.maxWaitMs) throw rateLimited(method, wait);
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, wait));
        continue;
      }
      try {
        return await send();
      } catch (err) {
        const e = err as { code?: string; retryAfter?: number };
        if (e?.code !== webApi.ErrorCode.RateLimitedError) throw err;
        const ms = Math.max(1, (e.retryAfter ?? 1) * 1000);
        this.pausedUntil.set(key, Math.max(this.pausedUntil.get(key) ?? 0, this.clock.now() + ms));
        this.opts.log.warn({ method, key, retryAfterMs: ms }, 'Slack rate limited a call; pausing only this method/channel');
      }
    }
  }
}

function rateLimited(method: string, waitMs: number): Error {
  return Object.assign(new Error(`${method} stays rate limited for ${waitMs} ms, longer than this request may wait`), { code: webApi.ErrorCode.RateLimitedError, retryAfter: waitMs / 1000 });
}
