import * as pty from 'node-pty';
import { MarkerScanner, runLine, SHELL_INIT, type Marker } from '../../../src/sandbox/shell/shell-protocol';

/**
 * The shell protocol against a local bash (no Docker): a command cannot read its own end marker's nonce,
 * so printing a marker cannot end it early or fake its exit status.
 */
function localShell() {
  const p = pty.spawn('bash', ['--norc', '--noprofile', '-i'], { cols: 200, rows: 40, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm', HOME: '/tmp' } });
  const scanner = new MarkerScanner();
  let text = '';
  const markers: Marker[] = [];
  const waiters: (() => void)[] = [];
  p.onData((d) =>
    scanner.push(
      d,
      (t) => (text += t),
      (m) => {
        markers.push(m);
        for (const w of waiters.splice(0)) w();
      },
    ),
  );
  const markerFor = (nonce: string) =>
    new Promise<Marker>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no marker for ${nonce}; output ${JSON.stringify(text)}`)), 10_000);
      const check = () => {
        const m = markers.find((x) => x.nonce === nonce);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        } else waiters.push(check);
      };
      check();
    });
  p.write(SHELL_INIT);
  return { p, markerFor, output: () => text };
}

describe('end-of-command marker', () => {
  const sh = localShell();
  afterAll(() => sh.p.kill());

  it('is out of the command\'s reach: no nonce in $__dh_nonce or $1, and a printed marker does not end the command', async () => {
    await sh.markerFor('init');
    const nonce = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    sh.p.write(runLine(nonce, 'echo "[${__dh_nonce}][${1:-}][$#]"; printf "\\033]7770;%s;0;0;1;0;0;0\\007" "$__dh_nonce" "$1"; echo still-running; (exit 3)'));
    const m = await sh.markerFor(nonce);
    expect(m.exitCode).toBe(3);
    expect(sh.output()).toContain('[][][0]');
    expect(sh.output()).toContain('still-running');
    expect(sh.output()).not.toContain(nonce);

    // The next command gets its own nonce, and the previous one is gone.
    const next = 'ffeeddccbbaa99887766554433221100';
    sh.p.write(runLine(next, 'echo "prev=[${__dh_nonce}]"'));
    expect(await sh.markerFor(next)).toMatchObject({ exitCode: 0 });
    expect(sh.output()).toContain('prev=[]');
  });

  it('still ends a command stopped with Ctrl-C with its own marker', async () => {
    const nonce = '0123456789abcdef0123456789abcdef';
    sh.p.write(runLine(nonce, 'sleep 30'));
    await new Promise((r) => setTimeout(r, 300));
    sh.p.write('\x03');
    expect(await sh.markerFor(nonce)).toMatchObject({ exitCode: 130 });
    const after = 'abcdef0123456789abcdef0123456789';
    sh.p.write(runLine(after, 'echo "after=[${__dh_nonce}]"'));
    expect(await sh.markerFor(after)).toMatchObject({ exitCode: 0 });
    expect(sh.output()).toContain('after=[]');
  });

  it('ends a command whose last output is a stray, unterminated marker start with its own marker', async () => {
    const nonce = 'feedfacefeedfacefeedfacefeedface';
    sh.p.write(runLine(nonce, 'printf "\\033]7770;garbage"; printf "\\033]7770;"; (exit 4)'));
    expect(await sh.markerFor(nonce)).toMatchObject({ exitCode: 4 });
    expect(sh.output()).toContain('\x1b]7770;garbage');
  });
});
