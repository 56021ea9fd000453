import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line, whatever object they sit in. */
export const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'password',
  'databaseUrl',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.password',
  '*.databaseUrl',
  '*.headers.authorization',
  'headers.authorization',
];

const SECRET_PATTERN = /\b(xox[abprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)|(postgres(?:ql)?:\/\/[^:\s/]+:)[^@\s]+@/g;

/** Masks Slack tokens and database passwords inside free text (error messages, URLs). */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, (_m, token: string | undefined, pgPrefix: string | undefined) =>
    token ? `${token.slice(0, 5)}[redacted]` : `${pgPrefix}[redacted]@`,
  );
}

export function createLogger(opts: { level: string; pretty: boolean; destination?: pino.DestinationStream }): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: {
      log(obj) {
        // Error messages can quote a token or a URL with a password in it.
        if (obj.err instanceof Error) {
          return { ...obj, err: { type: obj.err.name, message: redactSecrets(obj.err.message), code: (obj.err as { code?: unknown }).code, stack: redactSecrets(obj.err.stack ?? '') } };
        }
        return obj;
      },
    },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (opts.pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', destination: 2 } } });
  }
  return pino(options);
}
