import { ConfigError, readConfig } from '../../src/config';

/** The problems readConfig lists for an environment it refuses; fails when it accepts it. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    readConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
