import { MarkerScanner } from '../../../src/sandbox/shell/shell-protocol';
import { scan } from './marker-scan';

const NONCE = '0123456789abcdef0123456789abcdef';
const REAL = `\x1b]7770;${NONCE};0;0;42;0;0;0\x07`;
const START = '\x1b]7770;';

/** Every way to cut `s` in two, plus the whole string in one chunk. */
function splits(s: string): string[][] {
  const out = [[s]];
  for (let i = 1; i < s.length; i++) out.push([s.slice(0, i), s.slice(i)]);
  return out;
}

function expectRealFound(stray: string): void {
  for (const chunks of splits(`out${stray}${REAL}next`)) {
    const r = scan(chunks);
    const real = r.markers.filter((m) => m.nonce === NONCE);
    expect({ stray, chunks, found: real.length }).toEqual({ stray, chunks, found: 1 });
    expect(real[0]).toMatchObject({ exitCode: 0, shellPid: 42 });
    expect(r.text.endsWith('next')).toBe(true);
    expect(r.text.startsWith('out')).toBe(true);
  }
}

describe('a stray marker start never swallows the real end marker', () => {
  it('garbage after the start (a byte no marker holds)', () => {
    expectRealFound(`${START}garbage here`);
    expectRealFound(`${START}x\ty`);
  });

  it('an unterminated start right before the real marker', () => {
    expectRealFound(START);
    expectRealFound(`${START}abc`);
    expectRealFound(`${START}${NONCE};1`);
  });

  it('an unterminated start ended by a newline, and one longer than any real marker', () => {
    expectRealFound(`${START}abc\r\nmore output`);
    expectRealFound(`${START}${'a'.repeat(400)}`);
  });

  it('several stray starts in a row, and a start inside a start', () => {
    expectRealFound(`${START}${START}${START}x`);
    expectRealFound(`\x1b]77${START}`);
  });

  it('a forged, well-formed marker with another nonce is read and ignored by nonce, the real one still found', () => {
    const r = scan([`${START}ffffffffffffffffffffffffffffffff;0;0;1\x07${REAL}`]);
    expect(r.markers.map((m) => m.nonce)).toEqual(['ffffffffffffffffffffffffffffffff', NONCE]);
  });

  it('keeps the stray bytes as output (nothing the learner printed is lost)', () => {
    const r = scan([`a${START}zz yy${REAL}b`]);
    expect(r.text).toBe(`a${START}zz yyb`);
  });

  it('holds back at most a short tail while a marker may still be arriving (no unbounded carry)', () => {
    const s = new MarkerScanner();
    let text = '';
    s.push(`${START}${'a'.repeat(5000)}`, (t) => (text += t), () => undefined);
    expect(text.length).toBeGreaterThan(5000 - 200);
  });

  it('fuzz: random stray prefixes, cut at random points, always yield the real marker once', () => {
    // A seeded generator: the same cases on every run, so a failure is reproducible.
    let seed = 0x5eed;
    const rand = (n: number) => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const alphabet = ['\x1b', ']', '7', '0', ';', 'a', 'f', '9', '\x07', '\n', '\r', ' ', 'é', START, START, '\x1b]7770'];
    for (let c = 0; c < 2000; c++) {
      let stray = '';
      const len = rand(24);
      for (let i = 0; i < len; i++) stray += alphabet[rand(alphabet.length)];
      // A stray that holds BEL may complete a fake marker of its own; the real one must still be found after it.
      const whole = `out${stray}${REAL}next`;
      const cuts = [0, rand(whole.length), rand(whole.length)].sort((x, y) => x - y);
      const chunks = [whole.slice(cuts[0], cuts[1]), whole.slice(cuts[1], cuts[2]), whole.slice(cuts[2])];
      const r = scan(chunks);
      const real = r.markers.filter((m) => m.nonce === NONCE);
      expect({ stray, chunks, found: real.length }).toEqual({ stray, chunks, found: 1 });
      expect(r.text.endsWith('next')).toBe(true);
    }
  });
});
