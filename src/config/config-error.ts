import { AppError } from '../errors';

/** Every problem readConfig found, each on its own line (never a secret's value). */
export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
