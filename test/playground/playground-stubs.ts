import pino from 'pino';
import type { createPlayground } from '../../src/playground';

type Deps = Parameters<typeof createPlayground>[0];

/**
 * What a playground server test leaves out: no terminal (opening one is refused), lessons that answer nothing, a
 * silent log. Spread it first and override what the test is about.
 */
export const idlePlayground = (): Pick<Deps, 'sessionMs' | 'terminals' | 'mark' | 'lessons' | 'log'> => ({
  sessionMs: 3_600_000,
  terminals: { open: () => Promise.reject(new Error('none')), touch: async () => undefined },
  mark: '\x1b]6973;t\x07',
  lessons: { step: async () => undefined, check: async () => [], hint: async () => [], commandEnded: async () => undefined },
  log: pino({ level: 'silent' }),
});
