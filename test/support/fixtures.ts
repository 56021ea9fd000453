import fs from 'node:fs';
import path from 'node:path';

/** A Slack payload from test/fixtures/slack, deep-copied so tests can change it. */
export function slackFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'slack', `${name}.json`), 'utf8')) as T;
}

export interface EventCallback {
  event: Record<string, unknown>;
  event_id: string;
}
