import { MarkerScanner, encodeCommand, runLine, type Marker } from '../../src/sandbox/shell-protocol';

function scan(chunks: string[]): { text: string; markers: Marker[] } {
  const s = new MarkerScanner();
  let text = '';
  const markers: Marker[] = [];
  for (const c of chunks) s.push(c, (t) => (text += t), (m) => markers.push(m));
  return { text, markers };
}

describe('shell protocol', () => {
  it('strips a completion marker and reports its nonce, exit code and shell pid', () => {
    const r = scan(['hello\r\n\x1b]7770;abc123;42;0;77\x07']);
    expect(r.text).toBe('hello\r\n');
    expect(r.markers).toEqual([{ nonce: 'abc123', exitCode: 42, killed: 0, shellPid: 77 }]);
  });

  it('finds a marker cut across chunks at any byte', () => {
    const full = 'out\x1b]7770;n1;0;3;9\x07tail';
    for (let i = 1; i < full.length; i++) {
      const r = scan([full.slice(0, i), full.slice(i)]);
      expect(r.text).toBe('outtail');
      expect(r.markers).toHaveLength(1);
      expect(r.markers[0]!.killed).toBe(3);
    }
  });

  it('passes other escape sequences through untouched', () => {
    const r = scan(['\x1b[31mred\x1b[0m \x1b]0;title\x07']);
    expect(r.text).toBe('\x1b[31mred\x1b[0m \x1b]0;title\x07');
    expect(r.markers).toHaveLength(0);
  });

  it('encodes commands as printable ASCII with no quote, backslash, control or NUL bytes', () => {
    const enc = encodeCommand("echo 'x' \\ \x03\x00é\n");
    expect(enc).toMatch(/^[\x20-\x7e]*$/);
    expect(enc).not.toContain("'");
    expect(enc).toBe("echo \\x27x\\x27 \\x5c \\x03\\xc3\\xa9\\x0a");
    expect(runLine('n', 'ls')).toBe("__dh_run n 'ls'\n");
  });
});
