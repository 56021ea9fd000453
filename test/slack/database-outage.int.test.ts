import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/store/embedded-postgres';
import { inFlightAfter, startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

describe('a database that drops while the bot runs', () => {
  let pg: EmbeddedPostgres;
  let t: TestBot;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockhand-outage-'));
    fs.chmodSync(dir, 0o755);
    port = await freePort();
    pg = await startEmbeddedPostgres({ dataDir: dir, persistent: true, port });
    t = await startTestBot({ env: { DATABASE_URL: pg.url } });
  });
  afterAll(async () => {
    await t?.stop();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const dm = (user: string, text: string) =>
    t.standIn.sendDirectMessage(user, text);
  const replied = (user: string) => t.standIn.callsTo('chat.postMessage').filter((c) => c.args.channel === t.standIn.dmChannelFor(user)).length;

  it('fails the event with a logged error, keeps running, and recovers when the database is back', async () => {
    const user = uniqueId('U');
    await dm(user, 'help');
    await t.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === t.standIn.dmChannelFor(user));

    await pg.stop();
    const ack = await dm(user, 'help');
    expect(ack.envelopeId).toBeTruthy(); // still acked: Slack would otherwise retry into the outage
    const deadline = Date.now() + 15000;
    while (!t.logs.some((l) => l.level >= 50 && /database unavailable/.test(l.msg)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(t.logs.some((l) => l.level >= 50 && /database unavailable/.test(l.msg))).toBe(true);
    expect(replied(user)).toBe(1);
    expect(await inFlightAfter(t)).toBe(0);

    pg = await startEmbeddedPostgres({ dataDir: dir, persistent: true, port });
    await dm(user, 'help');
    await t.standIn.waitForCall('chat.postMessage', () => replied(user) === 2, 20000);
  });
});
