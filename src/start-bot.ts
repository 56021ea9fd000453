import type { App } from '@slack/bolt';
import type { Config } from './config';
import type { Logger } from './logger';
import { createSlackApp, type SlackIdentity } from './slack/create-slack-app';
import { InFlight } from './slack/middleware';
import { verifySlackToken } from './slack/verify-slack-token';
import { openDatabase, type Database } from './store/database';
import { PrismaEventLedger } from './store/prisma-event-ledger';
import { PrismaLearnerStore } from './store/prisma-learner-store';
import { Tutor } from './tutor/tutor';

export interface Bot {
  app: App;
  db: Database;
  identity: SlackIdentity;
  inFlight: InFlight;
  /** Stops receiving, lets in-flight work finish (up to the deadline), then closes the database. */
  stop(): Promise<void>;
}

const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** The composition root: wires the store, the tutor and the Slack app. */
export async function startBot(config: Config, log: Logger): Promise<Bot> {
  const identity = await verifySlackToken(config.slack.botToken!, config.slack.apiUrl);
  log.info({ team: identity.teamId, bot: identity.botUserId, mode: config.mode }, 'Slack accepted the bot token');

  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  const ledger = new PrismaEventLedger(db.prisma);
  const tutor = new Tutor({ learners: new PrismaLearnerStore(db.prisma), log });
  const inFlight = new InFlight();
  const app = createSlackApp({ config, log, identity, ledger, tutor, inFlight });

  const prune = async () => {
    const cutoff = new Date(Date.now() - config.eventRetentionHours * 3600 * 1000);
    const removed = await ledger.prune(cutoff).catch((err) => log.warn({ err }, 'pruning processed events failed'));
    if (removed) log.info({ removed }, 'pruned processed event ids');
  };
  await prune();
  const pruneTimer = setInterval(() => void prune(), PRUNE_EVERY_MS).unref();

  try {
    await app.start();
  } catch (err) {
    clearInterval(pruneTimer);
    await db.close();
    throw err;
  }
  log.info({ mode: config.mode, database: db.embedded ? 'embedded' : 'external' }, 'bot started');

  let stopping: Promise<void> | undefined;
  return {
    app,
    db,
    identity,
    inFlight,
    stop() {
      stopping ??= (async () => {
        clearInterval(pruneTimer);
        await app.stop().catch((err) => log.warn({ err }, 'stopping the Slack app failed'));
        const drained = await inFlight.drain(config.shutdownDeadlineMs);
        if (!drained) log.warn({ pending: inFlight.size }, 'shutdown deadline passed with work still in flight');
        await db.close();
        log.info('bot stopped');
      })();
      return stopping;
    },
  };
}
