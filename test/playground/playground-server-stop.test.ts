import net, { type AddressInfo } from 'node:net';
import { createPlayground } from '../../src/playground';
import { idlePlayground } from './playground-stubs';

// A preview's WebSocket is an upgraded socket, which the HTTP server's own closeAllConnections() does not know:
// stopping the playground must end it too, or the bot's shutdown waits for the browser to hang up.
it('stopping the playground ends an open preview WebSocket instead of waiting for it', async () => {
  // an app that accepts the upgrade and then stays silent and open
  const app = net.createServer((sock) => sock.once('data', () => sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as AddressInfo).port;
  const playground = createPlayground({
    config: { port: 0, host: '127.0.0.1', previewMaxSeconds: 3600, adminView: false },
    ...idlePlayground(),
    previews: { ports: async () => [{ port: 8080, container: 'web' }], connect: async () => net.connect(appPort, '127.0.0.1') },
  });
  await playground.start();
  const res = await fetch(playground.linkFor({ teamId: 'T1', userId: 'U1' }), { redirect: 'manual' });
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const base = playground.publicUrl;
  const client = net.connect(Number(base.port), base.hostname);
  const upgraded = new Promise<string>((resolve) => client.once('data', (b) => resolve(b.toString())));
  client.write(`GET /preview/8080/ws HTTP/1.1\r\nHost: ${base.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nCookie: ${cookie}\r\nOrigin: ${base.origin}\r\n\r\n`);
  expect(await upgraded).toMatch(/^HTTP\/1\.1 101/);
  const clientClosed = new Promise<void>((r) => client.once('close', () => r()));

  await playground.stop();
  // the browser's side of the preview socket was ended by the stop
  await clientClosed;
  app.close();
});
