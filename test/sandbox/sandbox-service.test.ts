import type Docker from 'dockerode';
import pino from 'pino';
import { readConfig } from '../../src/config';
import { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import { createSandboxService } from '../../src/sandbox';

jest.mock('../../src/sandbox/lifecycle/sandbox-manager');

const logger = pino({ level: 'silent' });
const docker = {} as Docker;
const built = () => {
  const calls = (SandboxManager as jest.MockedClass<typeof SandboxManager>).mock.calls;
  return calls[calls.length - 1]!;
};

describe('createSandboxService turns the configuration into sandbox options in one place', () => {
  it('hands the images, the built-in mirror, the instance and the engine endpoint to the manager', () => {
    const config = readConfig({ SANDBOX_INSTANCE: 'blue', DOCKER_HOST: 'tcp://engine:2375' });
    createSandboxService(config, { sandboxImage: 'dockhand/sandbox:abc', mirrorUrl: 'http://mirror:5000' }, { docker, logger });
    const [d, sandbox, log, options] = built();
    expect(d).toBe(docker);
    expect(sandbox).toBe(config.sandbox);
    expect(log).toBe(logger);
    expect(options).toEqual({ image: 'dockhand/sandbox:abc', mirrorUrl: 'http://mirror:5000', mirrorContainer: 'dockhand-mirror', instance: 'blue', dockerHost: 'tcp://engine:2375', dockerTls: undefined });
  });

  it("joins no built-in mirror when the operator brought their own", () => {
    const config = readConfig({ SANDBOX_REGISTRY_MIRROR: 'http://10.9.8.7:5000' });
    createSandboxService(config, { sandboxImage: 'img' }, { docker, logger });
    expect(built()[3].mirrorContainer).toBeUndefined();
  });

  it("names the database's host as one sandboxes must never reach (the host firewall drops it)", () => {
    createSandboxService(readConfig({ DATABASE_URL: 'postgresql://u:p@db.internal.example:5432/dockhand' }), { sandboxImage: 'img' }, { docker, logger });
    expect(built()[3].internalHosts).toEqual(['db.internal.example']);
  });

  it('lets a caller label its own instance and tune the manager', () => {
    createSandboxService(readConfig({}), { sandboxImage: 'img' }, { docker, logger, instance: 'lesson-test-1', reapIntervalMs: 5 });
    expect(built()[3]).toMatchObject({ instance: 'lesson-test-1', reapIntervalMs: 5 });
  });
});
