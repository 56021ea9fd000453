import { createHmac } from 'node:crypto';

export interface SignedResponse {
  status: number;
  body: string;
}

/** Slack's request signature: v0=HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw body). */
export function slackSignature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export interface SignedRequest {
  rawBody: string;
  contentType: string;
  headers: Record<string, string>;
}

/**
 * What Slack sends to a Request URL: the Events API as JSON, slash commands as a form, interactivity as a
 * form with one `payload` field; signed with `secret` at `timestamp` (seconds; default now). The same
 * object can be posted twice: that is a replay.
 */
export function signedRequest(kind: 'event' | 'command' | 'interactive', payload: Record<string, unknown>, secret: string, timestamp = Math.floor(Date.now() / 1000)): SignedRequest {
  const rawBody =
    kind === 'event'
      ? JSON.stringify(payload)
      : kind === 'command'
        ? new URLSearchParams(Object.entries(payload).map(([k, v]): [string, string] => [k, String(v)])).toString()
        : new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const contentType = kind === 'event' ? 'application/json' : 'application/x-www-form-urlencoded';
  return { rawBody, contentType, headers: { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(secret, timestamp, rawBody) } };
}

/** POSTs a request to the bot's HTTP endpoint (a server the test started) and reads the answer. */
export async function post(url: string, req: SignedRequest, headers: Record<string, string> = req.headers): Promise<SignedResponse> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': req.contentType, ...headers }, body: req.rawBody, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}
