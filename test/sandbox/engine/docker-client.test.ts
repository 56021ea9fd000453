import { AppError } from '../../../src/errors';
import { createDockerClient, dockerCliArgs, dockerCliEnv, dockerClientOptions } from '../../../src/sandbox/engine/docker-client';

const files: Record<string, string> = { '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY' };
const readFile = (p: string) => {
  if (!(p in files)) throw new Error(`no such file ${p}`);
  return Buffer.from(files[p]!);
};
const tls = { caPath: '/certs/ca.pem', certPath: '/certs/cert.pem', keyPath: '/certs/key.pem' };

describe('docker client options', () => {
  it('defaults to the local socket, with every env-derived setting overridden', () => {
    const o = dockerClientOptions({}, readFile);
    expect(o).toMatchObject({ socketPath: '/var/run/docker.sock', host: undefined, protocol: undefined, ca: undefined, timeout: undefined });
    // the keys exist (set to undefined) so docker-modem's env defaults cannot fill them in
    for (const k of ['host', 'port', 'protocol', 'ca', 'cert', 'key', 'timeout', 'pathPrefix']) expect(Object.keys(o)).toContain(k);
  });

  it('maps unix:///path to that socket', () => {
    expect(dockerClientOptions({ host: 'unix:///run/user/1000/docker.sock' }, readFile)).toMatchObject({ socketPath: '/run/user/1000/docker.sock', host: undefined });
  });

  it('maps tcp://host:port to plain http without TLS', () => {
    expect(dockerClientOptions({ host: 'tcp://10.0.0.5:2375' }, readFile)).toMatchObject({ protocol: 'http', host: '10.0.0.5', port: 2375, socketPath: undefined });
  });

  it('maps tcp with TLS to https with the certificate files read in', () => {
    const o = dockerClientOptions({ host: 'tcp://docker.example:2376', tls }, readFile);
    expect(o).toMatchObject({ protocol: 'https', host: 'docker.example', port: 2376 });
    expect(String(o.ca)).toBe('CA');
    expect(String(o.cert)).toBe('CERT');
    expect(String(o.key)).toBe('KEY');
    expect(o.agent).toBeUndefined();
  });

  it('turns certificate checking off only when verify is false', () => {
    const o = dockerClientOptions({ host: 'tcp://docker.example:2376', tls: { ...tls, verify: false } }, readFile);
    expect((o.agent as { options: { rejectUnauthorized: boolean } }).options.rejectUnauthorized).toBe(false);
  });

  it('defaults the tcp port to 2375 without TLS and 2376 with it', () => {
    expect(dockerClientOptions({ host: 'tcp://h' }, readFile).port).toBe(2375);
    expect(dockerClientOptions({ host: 'tcp://h', tls }, readFile).port).toBe(2376);
  });

  it('maps ssh://user@host:port to the ssh protocol with the given agent socket', () => {
    const o = dockerClientOptions({ host: 'ssh://deploy@build.example:2222', ssh: { agentSocket: '/tmp/agent.sock' } }, readFile);
    expect(o).toMatchObject({ protocol: 'ssh', host: 'build.example', port: 2222, username: 'deploy', sshOptions: { agent: '/tmp/agent.sock' } });
  });

  it('rejects hosts it cannot reach with CONFIG_INVALID', () => {
    expect(() => dockerClientOptions({ host: 'http://x:1' }, readFile)).toThrow(AppError);
    expect(() => dockerClientOptions({ host: 'not a url' }, readFile)).toThrow(/expected unix/);
  });

  it('builds a client for the given host even when DOCKER_HOST says otherwise', () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://elsewhere.invalid:9999';
    try {
      const docker = createDockerClient({ host: 'unix:///tmp/mine.sock' });
      expect(docker.modem).toMatchObject({ socketPath: '/tmp/mine.sock', host: undefined, port: undefined });
      process.env.DOCKER_HOST = 'ssh://someone@elsewhere.invalid';
      const viaSsh = createDockerClient({ host: 'ssh://me@mine.example', ssh: { agentSocket: '/tmp/a.sock' } });
      expect(viaSsh.modem).toMatchObject({ protocol: 'ssh', host: 'mine.example', username: 'me', sshOptions: { agent: '/tmp/a.sock' } });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});

describe('docker CLI target', () => {
  it('passes no flags when no host is set (the CLI default, like a default client)', () => {
    expect(dockerCliArgs({})).toEqual([]);
  });

  it('passes -H for the host', () => {
    expect(dockerCliArgs({ host: 'ssh://me@h' })).toEqual(['-H', 'ssh://me@h']);
  });

  it('passes --tlsverify and the three files for verified TLS', () => {
    expect(dockerCliArgs({ host: 'tcp://h:2376', tls })).toEqual([
      '-H',
      'tcp://h:2376',
      '--tlsverify',
      '--tlscacert',
      '/certs/ca.pem',
      '--tlscert',
      '/certs/cert.pem',
      '--tlskey',
      '/certs/key.pem',
    ]);
  });

  it('passes --tls (no verification) when verify is false', () => {
    expect(dockerCliArgs({ host: 'tcp://h:2376', tls: { certPath: '/c', keyPath: '/k', verify: false } })).toEqual(['-H', 'tcp://h:2376', '--tls', '--tlscert', '/c', '--tlskey', '/k']);
  });

  it('keeps the child env but drops engine-selecting variables when flags choose the engine', () => {
    const base = { PATH: '/bin', HOME: '/root', DOCKER_HOST: 'tcp://other:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/x', DOCKER_CONTEXT: 'c', UNSET: undefined };
    expect(dockerCliEnv(base, { host: 'tcp://h:2375' })).toEqual({ PATH: '/bin', HOME: '/root' });
    expect(dockerCliEnv(base, {})).toEqual({ PATH: '/bin', HOME: '/root', DOCKER_HOST: 'tcp://other:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/x', DOCKER_CONTEXT: 'c' });
  });
});
