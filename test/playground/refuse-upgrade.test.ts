import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { refuseUpgrade } from '../../src/playground/web-security';

// An upgraded socket is not read by anyone: a refusal must read it to its end itself, or the server's side of every
// refused WebSocket stays open (a file descriptor per attempt) until the process ends.
it('a refused upgrade answers the status and its socket is gone once the client closes', async () => {
  const server = http.createServer();
  try {
    const refused = new Promise<Duplex>((resolve) =>
      server.on('upgrade', (_req, socket: Duplex) => {
        refuseUpgrade(socket, 403, 'Forbidden', 3_600_000); // the fallback cannot be what closes it here
        resolve(socket);
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    const answer = new Promise<string>((r) => client.once('data', (b) => r(b.toString())));
    client.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    const socket = await refused;
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    expect(await answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\nConnection: close\r\n/);
    // a client that still sends (a WebSocket frame) before closing: those bytes must not hold the socket open
    client.end('frame');
    await closed;
    expect(socket.destroyed).toBe(true);
  } finally {
    server.close();
  }
}, 10_000);
