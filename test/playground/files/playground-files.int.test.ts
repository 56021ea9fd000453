import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { LearnerDriver } from '../../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';
import { openLink, TerminalClient } from '../playground-client';
import { call, hugeUpload, q } from './files-client';

jest.setTimeout(900_000);

let t: TestBot;
beforeAll(async () => {
  t = await startTestBot({ env: { WEB_PORT: '0', COMMANDS_PER_MINUTE: '600' } });
});
afterAll(async () => {
  await t?.stop();
});

async function session(l: LearnerDriver): Promise<string> {
  const since = l.mark;
  await l.say('playground');
  const post = await l.waitForPost(/Your playground: /, since);
  const { cookie } = await openLink(/Your playground: (\S+)/.exec(String(post.args.text))![1]!);
  return cookie!;
}

/** Milliseconds from typing a command to its output in the terminal (arithmetic, so the typed echo never matches). */
function roundTrip(term: TerminalClient, i: number): Promise<number> {
  const want = `lat-${i}-${i + 1}\r\n`;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no echo for ${want}`)), 120_000);
    const seen = () => {
      if (!term.output.includes(want)) return;
      clearTimeout(timer);
      term.ws.off('message', seen);
      resolve(performance.now() - started);
    };
    term.ws.on('message', seen);
    term.type(`echo lat-${i}-$((${i}+1))\r`);
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const stats = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (n=${xs.length})`;

describe('the playground editor files API (real bot, real sandboxes, two learners)', () => {
  it('keeps each learner to their own sandbox, refuses traversal and oversize, and symlinks resolve inside the sandbox', async () => {
    const attacker = new LearnerDriver(t, uniqueId('U'));
    const bystander = new LearnerDriver(t, uniqueId('U'));
    const a = await session(attacker);
    const b = await session(bystander);
    const base = t.bot.playground!.publicUrl.origin;
    const A = { cookie: a, origin: base };
    const B = { cookie: b, origin: base };

    // the bystander saves a file and reads it back
    const secret = `bystander-secret-${randomBytes(6).toString('hex')}\n`;
    expect((await call(base, { ...B, method: 'PUT', path: `/api/files/write?path=${q('~/secret.txt')}`, body: secret })).status).toBe(200);
    const back = await call(base, { ...B, path: `/api/files/read?path=${q('~/secret.txt')}` });
    expect(back.json).toMatchObject({ path: '/root/secret.txt', text: secret });
    expect(back.headers['content-security-policy']).toContain("default-src 'none'");
    const listing = await call(base, { ...B, path: `/api/files/list?path=${q('~')}` });
    expect((listing.json.entries as { name: string }[]).map((e) => e.name)).toContain('secret.txt');

    // no cookie, a forged cookie naming the bystander, another origin: refused before any sandbox is reached
    expect((await call(base, { path: `/api/files/read?path=${q('~/secret.txt')}` })).status).toBe(401);
    const [name, value] = a.split('=') as [string, string];
    const [payload, mac] = value.split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${name}=${Buffer.from(JSON.stringify({ ...body, u: bystander.user })).toString('base64url')}.${mac}`;
    expect((await call(base, { cookie: forged, path: `/api/files/read?path=${q('~/secret.txt')}` })).status).toBe(401);
    expect((await call(base, { cookie: forged, origin: base, method: 'DELETE', path: `/api/files/remove?path=${q('~/secret.txt')}` })).status).toBe(401);
    expect((await call(base, { cookie: a, origin: 'http://evil.example', method: 'PUT', path: `/api/files/write?path=${q('~/x')}`, body: 'x' })).status).toBe(403);
    expect((await call(base, { cookie: a, method: 'PUT', path: `/api/files/write?path=${q('~/x')}`, body: 'x' })).status).toBe(403);

    // the attacker's own cookie reaches only the attacker's sandbox: the same path there is theirs, not the bystander's
    expect((await call(base, { ...A, path: `/api/files/read?path=${q('~/secret.txt')}` })).json.problem).toBe('not-found');
    expect((await call(base, { ...A, method: 'PUT', path: `/api/files/write?path=${q('~/secret.txt')}`, body: 'overwritten' })).status).toBe(200);
    expect((await call(base, { ...A, method: 'DELETE', path: `/api/files/remove?path=${q('~/secret.txt')}` })).status).toBe(200);
    expect((await call(base, { ...B, path: `/api/files/read?path=${q('~/secret.txt')}` })).json.text).toBe(secret);

    // traversal and bad names: a clear JSON error, nothing run
    const bad = ['/root/../etc/passwd', '~/../../etc/shadow', '/etc/passwd', '../etc/passwd', '/root/a\0b', '/var/lib/docker/x', '/dockhand-engine/docker.sock', `/root/${'a'.repeat(300)}`, `/root/${'d/'.repeat(600)}x`];
    for (const p of bad) {
      const r = await call(base, { ...A, path: `/api/files/read?path=${q(p)}` });
      expect([r.status, r.json.problem]).toEqual([400, 'bad-path']);
      expect(r.json.error).toMatch(/\S/);
    }
    expect((await call(base, { ...A, method: 'DELETE', path: `/api/files/remove?path=${q('~')}` })).json.error).toMatch(/top folder/);

    // symlinks: made by the learner inside their sandbox, they resolve in the sandbox, never on the bot's machine
    const term = new TerminalClient(base, A);
    await term.opened;
    // (the sandbox's root filesystem is read-only: a marker only the sandbox has goes in its /tmp, reached by a link too)
    term.type('echo "sandbox-only-$((6*7))" > /tmp/marker; ln -s /etc ~/etc-link; ln -s /tmp ~/tmp-link; ln -s /dockhand-engine ~/engine-link; echo host=$(cat /etc/hostname); sha256sum /etc/passwd; echo links-$((1+1))\r');
    await term.waitFor(/links-2/);
    const sandboxHost = /^host=([^$\s]+)/m.exec(term.output)![1]!;
    const passwdSum = /([0-9a-f]{64})\s+\/etc\/passwd/.exec(term.output)![1]!;
    const hostname = await call(base, { ...A, path: `/api/files/read?path=${q('~/etc-link/hostname')}` });
    expect(String(hostname.json.text).trim()).toBe(sandboxHost);
    expect(String(hostname.json.text).trim()).not.toBe(readFileSync('/etc/hostname', 'utf8').trim());
    const passwd = await call(base, { ...A, path: `/api/files/read?path=${q('~/etc-link/passwd')}` });
    expect(createHash('sha256').update(String(passwd.json.text)).digest('hex')).toBe(passwdSum);
    expect(String(passwd.json.text)).not.toBe(readFileSync('/etc/passwd', 'utf8'));
    expect((await call(base, { ...A, path: `/api/files/read?path=${q('~/tmp-link/marker')}` })).json.text).toBe('sandbox-only-42\n');
    const linked = await call(base, { ...A, path: `/api/files/list?path=${q('~')}` });
    expect(linked.json.entries).toEqual(expect.arrayContaining([{ name: 'etc-link', type: 'link', target: 'dir', size: 4 }]));
    // the check inspector's socket folder belongs to the host's root: writing through a link gains nothing the learner lacks
    const planted = await call(base, { ...A, method: 'PUT', path: `/api/files/write?path=${q('~/engine-link/docker.sock')}`, body: 'fake' });
    expect(planted.status).toBeGreaterThanOrEqual(400);
    term.type('test -S /dockhand-engine/docker.sock && echo socket-intact-$((2+2))\r');
    await term.waitFor(/socket-intact-4/);

    // a 100 MB upload: refused from its Content-Length, long before the body is sent; without a length: refused too
    const huge = await hugeUpload(base, { path: `/api/files/write?path=${q('~/huge.bin')}`, cookie: a, origin: base, declaredBytes: 100 * 1024 * 1024 });
    expect(huge.status).toBe(413);
    expect(huge.json.error).toMatch(/up to 5 MB/);
    expect(huge.sentBytes).toBeLessThan(20 * 1024 * 1024);
    const chunked = await call(base, { ...A, method: 'PUT', path: `/api/files/write?path=${q('~/c.bin')}`, headers: { 'Transfer-Encoding': 'chunked' }, body: undefined });
    expect(chunked.status).toBe(411);

    // a big file is not opened as text, a binary one neither; both download whole
    term.type('head -c 3000000 /dev/urandom > ~/big.bin; printf "a\\0b" > ~/small.bin; sha256sum ~/big.bin; echo made-$((3+3))\r');
    await term.waitFor(/made-6/);
    const sum = /([0-9a-f]{64})\s+\/root\/big\.bin/.exec(term.output)![1];
    const big = await call(base, { ...A, path: `/api/files/read?path=${q('~/big.bin')}` });
    expect([big.status, big.json.problem, big.json.size]).toEqual([413, 'too-big', 3_000_000]);
    expect((await call(base, { ...A, path: `/api/files/read?path=${q('~/small.bin')}` })).json).toEqual({ path: '/root/small.bin', size: 3, binary: true });
    const dl = await call(base, { ...A, path: `/api/files/download?path=${q('~/big.bin')}` });
    expect(dl.status).toBe(200);
    expect(dl.headers['content-disposition']).toMatch(/attachment; filename="big.bin"/);
    expect(createHash('sha256').update(dl.body).digest('hex')).toBe(sum);

    // new folder, rename, delete; a rename onto an existing name is refused
    expect((await call(base, { ...A, method: 'POST', path: `/api/files/mkdir?path=${q('~/proj')}` })).status).toBe(200);
    expect((await call(base, { ...A, method: 'PUT', path: `/api/files/write?path=${q('~/proj/a.txt')}&mode=create`, body: 'one' })).status).toBe(200);
    expect((await call(base, { ...A, method: 'PUT', path: `/api/files/write?path=${q('~/proj/a.txt')}&mode=create`, body: 'two' })).json.problem).toBe('exists');
    expect((await call(base, { ...A, method: 'POST', path: `/api/files/rename?from=${q('~/proj/a.txt')}&to=${q('~/proj/b.txt')}` })).status).toBe(200);
    expect((await call(base, { ...A, method: 'POST', path: `/api/files/rename?from=${q('~/proj/b.txt')}&to=${q('~/big.bin')}` })).json.problem).toBe('exists');
    expect((await call(base, { ...A, path: `/api/files/read?path=${q('~/proj/b.txt')}` })).json.text).toBe('one');
    expect((await call(base, { ...A, method: 'DELETE', path: `/api/files/remove?path=${q('~/proj')}` })).status).toBe(200);
    expect((await call(base, { ...A, path: `/api/files/list?path=${q('~/proj')}` })).json.problem).toBe('not-found');
    term.close();
  });

  it("the bystander's terminal keeps answering while another learner uploads (latency printed)", async () => {
    const uploader = new LearnerDriver(t, uniqueId('U'));
    const bystander = new LearnerDriver(t, uniqueId('U'));
    const base = t.bot.playground!.publicUrl.origin;
    const A = { cookie: await session(uploader), origin: base };
    const bTerm = new TerminalClient(base, { cookie: await session(bystander), origin: base });
    await bTerm.opened;
    // the uploader's sandbox is made (the listing starts it) before anything is measured
    expect((await call(base, { ...A, path: `/api/files/list?path=${q('~')}` })).status).toBe(200);

    const idle: number[] = [];
    for (let i = 0; i < 15; i++) idle.push(await roundTrip(bTerm, i));

    const file = randomBytes(5 * 1024 * 1024);
    const sum = createHash('sha256').update(file).digest('hex');
    const statuses: number[] = [];
    let uploading = true;
    const started = performance.now();
    const uploads = Promise.all(
      [0, 1].map(async (lane) => {
        for (let k = 0; k < 4; k++) statuses.push((await call(base, { ...A, method: 'PUT', path: `/api/files/write?path=${q(`~/up-${lane}-${k}.bin`)}`, body: file })).status);
      }),
    ).finally(() => (uploading = false));
    const during: number[] = [];
    for (let i = 100; uploading || during.length < 10; i++) during.push(await roundTrip(bTerm, i));
    await uploads;
    const seconds = (performance.now() - started) / 1000;
    expect(statuses).toEqual(Array(8).fill(200));
    // what arrived is what was sent
    const check = new TerminalClient(base, A);
    await check.opened;
    check.type('sha256sum ~/up-1-3.bin; echo summed-$((5+5))\r');
    await check.waitFor(/summed-10/);
    expect(check.output).toContain(sum);
    check.close();
    bTerm.close();
    console.log(`[files] bystander terminal echo, idle: ${stats(idle)}; while another learner uploaded 8 x 5 MB (${seconds.toFixed(1)} s, ${((40 / seconds) * 8).toFixed(0)} Mbit/s): ${stats(during)}`);
  });
});
