import { captureLogs } from './support/capture-logs';
import { redactSecrets } from '../src/logger';

describe('logger', () => {
  it('redacts tokens in known fields and inside error messages', () => {
    const { logs, log } = captureLogs('info');
    log.info({ botToken: 'xoxb-123-abc', config: { appToken: 'xapp-1-XYZ' } }, 'starting');
    log.error({ err: new Error('auth failed for xoxb-123-abc at postgresql://u:hunter2@db:5432/x') }, 'boom');
    const text = JSON.stringify(logs);
    expect(text).not.toContain('xoxb-123-abc');
    expect(text).not.toContain('xapp-1-XYZ');
    expect(text).not.toContain('hunter2');
    expect(logs[1]!.err).toMatchObject({ message: expect.stringContaining('xoxb-[redacted]') });
  });

  it('redactSecrets masks Slack tokens and database passwords in free text', () => {
    expect(redactSecrets('token xapp-1-A2-b3 and postgres://me:pw@h/db')).toBe('token xapp-[redacted] and postgres://me:[redacted]@h/db');
  });
});
