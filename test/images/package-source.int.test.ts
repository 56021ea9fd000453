import { ensureImages } from '../../src/images/images';
import { MIRROR_CONTAINER } from '../../src/images/image-mirror';
import { PACKAGES_CONTAINER, PACKAGES_HOST } from '../../src/images/package-source';
import type { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, docker, logger, newManager } from '../sandbox/sandbox-fixture';

/**
 * Installing software in images with egress blocked: the seed's Flask Dockerfile (apt-get, then pip) builds as
 * written in a sandbox, from the package source served beside the mirror, and the container serves. Two learners:
 * A tries to write to the package source; it refuses, and B's installs get the genuine packages.
 */
const A = 'T1:pkg-attacker';
const B = 'T1:pkg-bystander';
let manager: SandboxManager;

const run = async (learner: string, cmd: string, timeoutMs = 60_000) => manager.run(learner, cmd, { timeoutMs });

// the seed tutorial's Dockerfile, with the course's python:3.11-slim for its ubuntu:16.04
const SEED_DOCKERFILE = `FROM python:3.11-slim
WORKDIR app
RUN apt-get update && apt-get -y upgrade && apt-get install -y python3-pip
RUN pip3 install Flask
COPY src .
EXPOSE 5000
ENV LC_ALL C.UTF-8
ENV LANG C.UTF-8
ENV FLASK_APP app.py
CMD ["flask", "run", "--host=0.0.0.0"]
`;
const APP = `from flask import Flask
app = Flask(__name__)

@app.route('/')
def hello_world():
    return 'Hello, World!'
`;

/** Writes `text` to `file` in the sandbox through a quoted heredoc (nothing in it is expanded). */
const heredoc = (file: string, text: string) => `cat > ${file} <<'DOCKHAND_EOF'\n${text}DOCKHAND_EOF`;

/**
 * The mirror is shared by every checkout on this engine: one built from another tree may push its own
 * python:3.11-slim there at any time. Each sandbox takes the image this tree built, by the digest its push
 * recorded, under the name the Dockerfile uses (a build uses a local image before asking the mirror).
 */
let pinPython = '';

beforeAll(async () => {
  const digest = (await ensureImages({ docker, log: logger })).mirrorDigests['python:3.11-slim'];
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  pinPython = `docker pull -q python@${digest} >/dev/null && docker tag python@${digest} python:3.11-slim`;
  ({ manager } = await newManager('pkgsrc', { blockEgress: true, commandTimeoutSeconds: 300, commandMaxTimeoutSeconds: 600 }, { mirrorContainer: MIRROR_CONTAINER }));
  await manager.start();
  for (const r of await Promise.all([run(A, pinPython, 120_000), run(B, pinPython, 120_000)])) expect(r.exitCode).toBe(0);
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
});

describe('the package source beside the mirror', () => {
  it("runs read-only in the mirror's network namespace, labelled, restart policy unless-stopped", async () => {
    const [pkg, mirror] = await Promise.all([docker.getContainer(PACKAGES_CONTAINER).inspect(), docker.getContainer(MIRROR_CONTAINER).inspect()]);
    expect(pkg.State.Running).toBe(true);
    expect(pkg.HostConfig.NetworkMode).toBe(`container:${mirror.Id}`);
    expect(pkg.HostConfig.ReadonlyRootfs).toBe(true);
    expect(pkg.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(pkg.Config.Labels?.['dockhand.role']).toBe('packages');
  });

  it("builds the seed's Flask Dockerfile as written with egress blocked, and the container serves", async () => {
    // egress really is blocked: Docker Hub's name does not resolve for a nested container
    const out = await run(B, 'docker run --rm python:3.11-slim python3 -c "import socket; socket.gethostbyname(\'pypi.org\')" 2>&1 | tail -1', 120_000);
    expect(out.output).toMatch(/gaierror|Name or service not known|Temporary failure/);

    const setup = [
      'mkdir -p ~/seed/src && cd ~/seed',
      heredoc('Dockerfile', SEED_DOCKERFILE),
      heredoc('src/app.py', APP),
      'docker build -q -t mypythonapp . >/dev/null && echo built',
    ].join('\n');
    const built = await run(B, setup, 600_000);
    expect(built.output).toContain('built');
    expect(built.exitCode).toBe(0);

    const served = await run(
      B,
      'docker run -d --name web -p 5000:5000 mypythonapp >/dev/null && for i in $(seq 100); do curl -s -m 1 localhost:5000 && break; sleep 0.3; done',
      120_000,
    );
    expect(served.output).toContain('Hello, World!');
  }, 900_000);

  it('installs curl with apt and a requirements.txt of wheels Debian does not ship with pip', async () => {
    const dockerfile = `FROM python:3.11-slim
RUN apt-get update && apt-get install -y curl
COPY requirements.txt .
RUN pip install -r requirements.txt
CMD ["sh", "-c", "curl --version | head -1; python -c 'import requests; print(\\"requests\\", requests.__version__)'"]
`;
    const cmd = ['mkdir -p ~/req && cd ~/req', heredoc('Dockerfile', dockerfile), "printf 'requests\\n' > requirements.txt", 'docker build -q -t req . >/dev/null && docker run --rm req'].join('\n');
    const r = await run(B, cmd, 600_000);
    expect(r.output).toMatch(/^curl \d/m);
    expect(r.output).toMatch(/^requests \d/m);
  }, 900_000);

  it("refuses A's writes (PUT, POST, DELETE) and B still gets the genuine index and packages", async () => {
    // B's view through the name, from a nested container, before and after
    const digestOf = `docker run --rm python:3.11-slim python3 -c "import hashlib, urllib.request as u; print('sha', hashlib.sha256(u.urlopen('http://${PACKAGES_HOST}/debian/Packages').read()).hexdigest())"`;
    const before = /^sha ([0-9a-f]{64})$/m.exec((await run(B, digestOf, 120_000)).output)?.[1];
    expect(before).toBeDefined();

    // A, root in its sandbox, at the package source's address on its own network
    const attack = [
      'S=http://$DOCKHAND_PACKAGE_SOURCE',
      'for m in PUT POST DELETE PATCH; do',
      '  for p in debian/Packages debian/Release simple/flask/index.html files/evil.whl; do',
      '    curl -s -o /dev/null -w "$m $p %{http_code}\\n" -X $m --data-binary "Package: evil" $S/$p',
      '  done',
      'done',
    ].join('\n');
    const a = await run(A, attack);
    const codes = a.output.trim().split('\n').filter((l) => /^(PUT|POST|DELETE|PATCH) /.test(l));
    expect(codes).toHaveLength(16);
    for (const line of codes) expect(line).toMatch(/ (403|405)$/);

    const after = /^sha ([0-9a-f]{64})$/m.exec((await run(B, digestOf, 120_000)).output)?.[1];
    expect(after).toBe(before);
    const evil = await run(B, `docker run --rm python:3.11-slim python3 -c "import urllib.request as u, urllib.error as e\ntry: u.urlopen('http://${PACKAGES_HOST}/files/evil.whl')\nexcept e.HTTPError as x: print('status', x.code)"`, 120_000);
    expect(evil.output).toContain('status 404');
  }, 300_000);
});
