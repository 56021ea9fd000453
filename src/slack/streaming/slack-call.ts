import { webApi } from '@slack/bolt';

/** What a failed Slack Web API call means to the callers that retry by themselves: retry, back off, repost, or a dead token. */

const RETRYABLE_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);
// The message cannot be edited any more: the final output is posted as a new message instead.
export const REPOST_ERRORS = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

// Slack no longer accepts the token itself, so no call for that workspace can work until it installs the
// app again: revoked or the app removed (token_revoked), a deleted workspace or bot user
// (account_inactive), not a valid token (invalid_auth), or expired (token_expired: token rotation is off,
// so there is nothing to refresh it with). `not_authed` (no token sent) is a bug here, not a revocation.
export const REVOKED_TOKEN_ERRORS: ReadonlySet<string> = new Set(['token_revoked', 'invalid_auth', 'account_inactive', 'token_expired']);

/** The Slack error when a Web API answer (`{ ok: false, error }`) or a WebClient error says the token is dead. */
export function revokedTokenError(answerOrErr: unknown): string | undefined {
  const a = answerOrErr as { ok?: unknown; error?: unknown; code?: unknown; data?: { error?: unknown } } | null | undefined;
  const error = a?.code === webApi.ErrorCode.PlatformError ? a.data?.error : a?.ok === false ? a.error : undefined;
  return typeof error === 'string' && REVOKED_TOKEN_ERRORS.has(error) ? error : undefined;
}

export type Outcome = { kind: 'ok' } | { kind: 'ratelimited'; retryAfterMs: number } | { kind: 'transient'; err: unknown } | { kind: 'fatal'; err: unknown; error?: string };

export function classify(err: unknown): Outcome {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
  switch (e?.code) {
    case webApi.ErrorCode.RateLimitedError:
      return { kind: 'ratelimited', retryAfterMs: Math.max(0, (e.retryAfter ?? 1) * 1000) };
    case webApi.ErrorCode.RequestError:
      return { kind: 'transient', err };
    case webApi.ErrorCode.HTTPError:
      return (e.statusCode ?? 500) >= 500 ? { kind: 'transient', err } : { kind: 'fatal', err };
    case webApi.ErrorCode.PlatformError: {
      const error = e.data?.error;
      return error && RETRYABLE_PLATFORM_ERRORS.has(error) ? { kind: 'transient', err } : { kind: 'fatal', err, error };
    }
    default:
      return { kind: 'fatal', err };
  }
}

/** 0.5 s, 1 s, 2 s ... capped at 15 s, with jitter. */
export function backoffMs(attempt: number, random: () => number): number {
  const base = Math.min(15_000, 500 * 2 ** Math.min(attempt, 5));
  return Math.round(base * (0.75 + random() * 0.5));
}
