import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../../logger';
import type { EventLedger } from '../../store';

/** The request's signature headers, copied into Bolt's context by the HTTP receiver (customPropertiesExtractor). */
export function signatureOf(req: { headers: Record<string, string | string[] | undefined> }): Record<string, string> {
  const sig = req.headers['x-slack-signature'];
  const ts = req.headers['x-slack-request-timestamp'];
  return typeof sig === 'string' && typeof ts === 'string' ? { slackSignature: sig, slackTimestamp: ts } : {};
}

/**
 * HTTP mode: Bolt refuses a bad signature or one older than 5 minutes (401), but a request captured and
 * sent again within those 5 minutes carries a valid signature. Events are deduplicated on event_id
 * (dedupeAndLog); slash commands and interactions have no id, so their signature (unique per request:
 * it covers the timestamp and the body) is claimed in the same event ledger. Slack never retries
 * commands or interactions, so a second claim is a replay: acknowledged, logged, not handled.
 * If the ledger is down the request is handled (the signature check has already passed).
 */
export function replayGuard(deps: { log: Logger; ledger: EventLedger }): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { body, context, next } = args;
    const sig = context.slackSignature;
    if ((body as { event_id?: string }).event_id || typeof sig !== 'string') return next();
    const log = (context.log as Logger | undefined) ?? deps.log;
    let first = true;
    try {
      first = await deps.ledger.claim(`sig:${String(context.slackTimestamp)}:${sig}`);
    } catch (err) {
      log.warn({ err }, 'could not record the request signature (database unavailable?); handling it anyway');
    }
    if (first) return next();
    log.warn('replayed request ignored (same signature seen before)');
    const ack = (args as { ack?: () => Promise<void> }).ack;
    await ack?.();
  };
}
