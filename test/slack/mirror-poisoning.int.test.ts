import Docker from 'dockerode';
import pino from 'pino';
import { decodeSlackText } from '../../src/slack/render/slack-text';
import { ensureImages } from '../../src/images/images';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

/**
 * Issue 10, the shared-mirror poisoning attack end to end: two learners DM the real bot through the Slack
 * stand-in. A tries to replace `nginx` on the mirror (tag + push) and to delete it; B's plain
 * `docker run -p 8080:80 nginx` still serves the genuine page, pulled with the digest the bot recorded.
 */
const shown = (final: { args: { blocks?: unknown } }) => {
  const blocks = JSON.parse(LearnerDriver.blocksText(final as never)) as { type: string; text?: { text?: string } }[];
  return decodeSlackText(blocks.filter((b) => b.type === 'section').map((b) => b.text?.text ?? '').join('\n'));
};

describe('two learners in Slack: A cannot poison the shared mirror for B', () => {
  let t: TestBot;
  let nginxDigest: string;
  beforeAll(async () => {
    nginxDigest = (await ensureImages({ docker: new Docker(), log: pino({ level: 'silent' }) })).mirrorDigests['nginx:latest']!;
    t = await startTestBot({ standIn: { users: {} } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("A's push and delete are refused; B's nginx serves the genuine page with the recorded digest", async () => {
    expect(nginxDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const a = new LearnerDriver(t, uniqueId('U'));
    const b = new LearnerDriver(t, uniqueId('U'));

    // A's poisoned nginx: same name, a page of A's
    const made = await a.run(
      "docker run --name evil nginx sh -c 'echo PWNED-BY-A > /usr/share/nginx/html/index.html' && docker commit evil evil-nginx >/dev/null && echo committed",
      120_000,
    );
    expect(shown(made.final)).toContain('committed');
    const push = await a.run('M=${DOCKHAND_REGISTRY_MIRROR#http://}; docker tag evil-nginx $M/library/nginx:latest && docker push $M/library/nginx:latest', 120_000);
    expect(String(push.final.args.text)).not.toMatch(/: exit 0/);
    // the registry's 405, as Docker 20.10 and 26 CLIs word it (26: "unknown: Method not allowed")
    expect(shown(push.final)).toMatch(/unsupported|denied|read-only|readonly|405|method not allowed/i);
    const del = await a.run(
      `M=\${DOCKHAND_REGISTRY_MIRROR#http://}; curl -s -o /dev/null -w 'delete:%{http_code}\\n' -X DELETE http://$M/v2/library/nginx/manifests/${nginxDigest}`,
    );
    expect(shown(del.final)).toMatch(/delete:(405|503)/);

    const served = await b.run(
      'docker run -d -p 8080:80 nginx >/dev/null && for i in $(seq 50); do curl -s -m 1 -o /dev/null localhost:8080 && break; sleep 0.2; done; curl -s localhost:8080 | grep -o "<title>[^<]*"; docker image inspect nginx --format "{{join .RepoDigests \\" \\"}}"',
      120_000,
    );
    const text = shown(served.final);
    expect(String(served.final.args.text)).toMatch(/: exit 0/);
    expect(text).not.toContain('PWNED-BY-A');
    expect(text).toContain('<title>Welcome to nginx!');
    expect(text).toContain(`nginx@${nginxDigest}`);
  }, 300_000);
});
