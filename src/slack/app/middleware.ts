import type { Middleware, AnyMiddlewareArgs } from '@slack/bolt';
import type { InFlight } from './in-flight';
import type { Logger } from '../../logger';
import type { EventLedger } from '../../store';
import { KeyedLanes } from '../../kit';
import { decodeSlackText } from '../render/slack-text';

interface AnyBody {
  event_id?: string;
  type?: string;
  team_id?: string;
  user_id?: string;
  command?: string;
  event?: { type?: string; user?: string; team?: string };
  user?: { id?: string };
  team?: { id?: string } | null;
}

/** Whose request this is: one person's requests are handled one at a time, in arrival order. */
function senderKey(b: AnyBody): string | undefined {
  const user = b.event?.user ?? b.user_id ?? b.user?.id;
  if (typeof user !== 'string') return undefined;
  return `${b.team_id ?? b.team?.id ?? b.event?.team ?? ''}:${user}`;
}

/**
 * First middleware: gives each request a child logger, keeps each sender's requests in order, drops
 * events already handled (Slack retries carry the same event_id), and tracks work for a clean shutdown.
 */
export function dedupeAndLog(deps: { log: Logger; ledger: EventLedger; inFlight: InFlight }): Middleware<AnyMiddlewareArgs> {
  const order = new KeyedLanes();
  return async ({ body, context, next }) => {
    const b = body as AnyBody;
    const log = deps.log.child({ eventId: b.event_id, type: b.event?.type ?? b.command ?? b.type, retry: context.retryNum });
    context.log = log;
    const key = senderKey(b);
    const run = (work: () => Promise<void>) => (key ? order.run(key, work) : work());
    await deps.inFlight.track(() => run(async () => {
      if (b.event_id) {
        let first: boolean;
        try {
          first = await deps.ledger.claim(b.event_id);
        } catch (err) {
          log.error({ err }, 'could not record the event id (database unavailable?); event dropped');
          return;
        }
        if (!first) {
          log.info('duplicate delivery ignored');
          return;
        }
      }
      await next();
    }));
  };
}

interface TextBody {
  command?: string;
  text?: unknown;
  event?: { type?: string; text?: unknown };
}

/**
 * The one place learner text is decoded (docs/platform-facts.md: Slack sends `&`, `<`, `>` as entities
 * and links, e-mails and mentions as `<...>` tokens): DM and mention text (`body.event.text`) and slash
 * command text (`body.text`) are turned back into what was typed before any listener parses them. Bolt
 * hands listeners these same objects (`message`, `event`, `command`), so they see the decoded text.
 */
export function decodeLearnerText(): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const b = body as TextBody;
    if (b.event && (b.event.type === 'message' || b.event.type === 'app_mention') && typeof b.event.text === 'string') {
      b.event.text = decodeSlackText(b.event.text);
    } else if (typeof b.command === 'string' && typeof b.text === 'string') {
      b.text = decodeSlackText(b.text);
    }
    await next();
  };
}

/** Events a workspace sends about its own removal: let through, so its token and sandboxes still go. */
const REMOVAL_EVENTS = new Set(['app_uninstalled', 'tokens_revoked']);

/**
 * `ALLOWED_TEAM_IDS`: a request (event, slash command, button) from any other workspace is acked and dropped
 * with one log line, before it reaches the event ledger or a listener. That covers a workspace that installed
 * before it was taken off the list: its stored token stays unused until it uninstalls (let through, so the
 * uninstall still cleans up). Unset: every workspace is served.
 */
export function allowedTeamsOnly(deps: { allowed?: readonly string[]; log: Logger; teamOf: (args: AnyMiddlewareArgs & { context: { teamId?: string } }) => string }): Middleware<AnyMiddlewareArgs> {
  if (!deps.allowed) return async ({ next }) => next();
  const allowed = new Set(deps.allowed);
  return async (args) => {
    const team = deps.teamOf(args);
    const eventType = (args.body as AnyBody).event?.type;
    if (allowed.has(team) || (eventType && REMOVAL_EVENTS.has(eventType))) return args.next();
    deps.log.warn({ team, type: eventType ?? (args.body as AnyBody).command ?? (args.body as AnyBody).type }, 'request from a workspace not in ALLOWED_TEAM_IDS dropped');
    // Acked so Slack shows the person nothing rather than an error after its 3 s timeout.
    if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
  };
}
