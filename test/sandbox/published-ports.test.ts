import { parsePublishedPorts } from '../../src/sandbox/sandbox-previews';

describe('published ports from docker ps', () => {
  it('reads TCP host ports (IPv4, IPv6, ranges), once each, in order', () => {
    const out = ['web\t0.0.0.0:8080->80/tcp, :::8080->80/tcp', 'dns\t0.0.0.0:53->53/udp', 'api\t127.0.0.1:3000-3001->3000-3001/tcp', 'quiet\t80/tcp', ''].join('\n');
    expect(parsePublishedPorts(out)).toEqual([
      { port: 3000, container: 'api' },
      { port: 3001, container: 'api' },
      { port: 8080, container: 'web' },
    ]);
  });

  it('bounds a huge range and ignores what is not a port', () => {
    expect(parsePublishedPorts('x\t0.0.0.0:1000-60000->1000-60000/tcp').length).toBe(32);
    expect(parsePublishedPorts('x\t0.0.0.0:99999->80/tcp')).toEqual([]);
  });
});
