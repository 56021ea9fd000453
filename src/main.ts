import os from 'node:os';
import { ConfigError, readConfig } from './config';
import { AppError } from './errors';
import { createLogger, redactSecrets } from './logger';
import { LocalChat } from './slack/stand-in/local-chat';
import { SlackStandIn } from './slack/stand-in/slack-stand-in';
import { startBot, type Bot } from './start-bot';

async function main(): Promise<void> {
  let config;
  try {
    // Host facts size the default sandbox cap (SANDBOX_MAX_COUNT) and parallel starts.
    config = readConfig(process.env, { cpus: os.availableParallelism(), memoryMb: Math.floor(os.totalmem() / 2 ** 20) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw err;
  }
  const local = config.mode === 'local';
  const log = createLogger({ level: config.logLevel, pretty: local });

  let standIn: SlackStandIn | undefined;
  if (local) {
    standIn = new SlackStandIn();
    const apiUrl = await standIn.start();
    config = { ...config, slack: { ...config.slack, botToken: standIn.botToken, appToken: standIn.appToken, apiUrl } };
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
    bot = await startBot(config, log, { onProgress: (line) => process.stderr.write(`[images] ${line}\n`) });
  } catch (err) {
    const message = err instanceof AppError ? err.message : `Start-up failed: ${(err as Error).message}`;
    process.stderr.write(`${redactSecrets(message)}\n`);
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
