import os from 'node:os';
import { ConfigError, readConfig } from './config';
import { withEnvFile } from './config';
import { AppError } from './errors';
import { createLogger, redactSecrets } from './logger';
import { BotMetrics } from './ops';
import { startOpsServer, type OpsServer } from './ops';
import { Readiness } from './ops';
import { PART_OF, startWithRetry } from './ops';
import { LocalChat, SlackStandIn } from './slack';
import { startBot, type Bot } from './start-bot';

async function main(): Promise<void> {
  let config;
  let envFile: string | undefined;
  try {
    // A .env file (or DOCKHAND_ENV_FILE) under the environment; what the environment sets wins.
    const { env, file } = withEnvFile(process.env, process.cwd());
    envFile = file;
    // Host facts size the default sandbox cap (SANDBOX_MAX_COUNT) and parallel starts.
    config = readConfig(env, { cpus: os.availableParallelism(), memoryMb: Math.floor(os.totalmem() / 2 ** 20) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw err;
  }
  const local = config.mode === 'local';
  const log = createLogger({ level: config.logLevel, pretty: local });
  if (envFile) log.info({ file: envFile }, 'settings read from an environment file (the environment wins where both set a variable)');

  let standIn: SlackStandIn | undefined;
  if (local) {
    standIn = new SlackStandIn();
    const apiUrl = await standIn.start();
    config = { ...config, slack: { ...config.slack, botToken: standIn.botToken, appToken: standIn.appToken, apiUrl } };
  }

  // Up before the bot, so /healthz answers and /readyz says what is still missing while it starts.
  const metrics = config.metrics ? new BotMetrics() : undefined;
  const readiness = new Readiness();
  let ops: OpsServer | undefined;
  if (config.metrics && metrics) {
    try {
      ops = await startOpsServer({ ...config.metrics, metrics, readiness, log });
    } catch (err) {
      process.stderr.write(`${err instanceof AppError ? err.message : `Start-up failed: ${(err as Error).message}`}\n`);
      await standIn?.stop();
      process.exit(1);
    }
  }

  let bot: Bot | undefined;
  let chat: LocalChat | undefined;
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) {
      process.stderr.write('Forced exit.\n');
      process.exit(1);
    }
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    chat?.stop();
    await bot?.stop();
    await ops?.close();
    await standIn?.stop();
    log.flush?.();
    process.exit(0);
  };
  const onSignal = (signal: string) => () => {
    shutdown(signal).catch((err: unknown) => {
      process.stderr.write(`Shutdown failed: ${redactSecrets((err as Error).message)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', onSignal('SIGINT'));
  process.on('SIGTERM', onSignal('SIGTERM'));

  try {
    const start = () => startBot(config, log, { onProgress: (line) => process.stderr.write(`[images] ${line}\n`), ops: { metrics, readiness } });
    // With Slack tokens (a service), a database or engine still coming up is waited for, not a crash loop;
    // the local chat stops at once with the reason.
    bot = local
      ? await start()
      : await startWithRetry(start, {
          onRetry: (err, delayMs, attempt) => {
            const code = err instanceof AppError ? err.code : 'INTERNAL';
            const part = PART_OF[code];
            const reason = redactSecrets((err as Error).message);
            if (part) readiness.set(part, () => Promise.reject(new Error(reason)));
            log.warn({ code, attempt, retryInSeconds: delayMs / 1000, reason }, 'start-up failed; retrying');
          },
        });
  } catch (err) {
    const message = err instanceof AppError ? err.message : `Start-up failed: ${(err as Error).message}`;
    process.stderr.write(`${redactSecrets(message)}\n`);
    await ops?.close();
    await standIn?.stop();
    process.exit(1);
  }

  if (standIn) {
    chat = new LocalChat({ standIn, input: process.stdin, output: process.stdout, onQuit: onSignal('quit'), busy: () => (bot?.tutor.commandsRunning ?? 0) > 0 });
    chat.start();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${redactSecrets((err as Error)?.message ?? String(err))}\n`);
  process.exit(1);
});
