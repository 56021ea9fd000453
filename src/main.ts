import { ConfigError, readConfig } from './config';
import { AppError } from './errors';
import { createLogger, redactSecrets } from './logger';
import { LocalChat } from './slack/stand-in/local-chat';
import { SlackStandIn } from './slack/stand-in/slack-stand-in';
import { startBot, type Bot } from './start-bot';

async function main(): Promise<void> {
  let config;
  try {
    config = readConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw err;
  }
  const local = config.mode === 'local';
  // The chat owns a local terminal: only warnings interrupt it unless LOG_LEVEL asks for more.
  const level = local && !process.env.LOG_LEVEL ? 'warn' : config.logLevel;
  const log = createLogger({ level, pretty: local });

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
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    bot = await startBot(config, log, { onProgress: (line) => process.stderr.write(`[images] ${line}\n`) });
  } catch (err) {
    const message = err instanceof AppError ? err.message : `Start-up failed: ${(err as Error).message}`;
    process.stderr.write(`${redactSecrets(message)}\n`);
    await standIn?.stop();
    process.exit(1);
  }

  if (standIn) {
    chat = new LocalChat({ standIn, input: process.stdin, output: process.stdout, onQuit: () => void shutdown('quit') });
    chat.start();
  }
}

void main();
