import { pullErrorLines, pullFailureLine } from '../../../src/tutor/pulls/pull-failure';
import { failedImage, offlineList } from '../../../src/tutor/pulls/pull-failure-names';
import * as t from './pull-failure-texts';

const OFFLINE = ['hello-world:latest', 'busybox:latest', 'nginx:latest', 'nginx:alpine', 'debian:bookworm-slim', 'python:3.11-slim'];
const line = (c: { command: string; output: string }) => pullFailureLine(c.command, c.output, OFFLINE);

describe('pullFailureLine: a name the offline mirror lacks', () => {
  it.each([
    ['docker pull, egress blocked', t.pullMissingBlocked],
    ['docker pull, egress open', t.pullMissingOpen],
    ['docker run, egress blocked', t.runMissingBlocked],
    ['docker run, egress open', t.runMissingOpen],
    ['BuildKit FROM, egress blocked', t.buildkitMissingBlocked],
    ['BuildKit FROM, egress open', t.buildkitMissingOpen],
    ['classic builder FROM, egress blocked', t.classicMissingBlocked],
    ['classic builder FROM, egress open', t.classicMissingOpen],
  ])('%s: names the image and what is available offline', (_, c) => {
    const l = line(c)!;
    expect(l).toMatch(/^`nosuchimage(:latest)?` is not on this host's image mirror, and sandboxes here have no internet/);
    expect(l).toContain('Images available offline: hello-world, busybox, nginx (latest, alpine), debian (bookworm-slim), python (3.11-slim).');
    expect(l).not.toMatch(/\n|127\.0\.0\.11|registry-1/);
  });

  it.each([
    ['docker compose up', t.composeUpMissingBlocked],
    ['docker compose up, egress open', t.composeUpMissingOpen],
    ['docker compose pull', t.composePullMissingBlocked],
  ])('%s: names the service whose image is missing', (_, c) => {
    expect(line(c)).toMatch(/^The image of service `web` is not on this host's image mirror.*Images available offline: hello-world/);
  });

  it('a user image missing offline gets the same line', () => {
    expect(line(t.pullUserImageBlocked)).toMatch(/^`someuser\/private-thing` is not on this host's image mirror/);
    expect(line(t.pullUserImageOpen)).toMatch(/^`someuser\/private-thing` is not on this host's image mirror/);
  });

  it('a wrong tag of an offline image names the tags there are', () => {
    for (const c of [t.pullWrongTagBlocked, t.pullWrongTagOpen, t.runWrongTagBlocked, t.runWrongTagOpen])
      expect(line(c)).toBe("`nginx:no-such-tag` is not on this host's image mirror, and sandboxes here have no internet to fetch it. Tags of it here: latest, alpine.");
  });
});

describe('pullFailureLine: the mirror or the registry not answering', () => {
  it('an offline image that fails is the mirror not answering (docker pull, docker run)', () => {
    for (const c of [t.mirrorDownPull, t.mirrorDownRun]) expect(line(c)).toMatch(/^`hello-world(:latest)?` is one of the offline images, but the image mirror did not answer: try again in a minute/);
  });

  it("BuildKit's refused connection to the mirror, and a mirror timing out", () => {
    expect(line(t.mirrorDownBuildkit)).toMatch(/^The image mirror did not answer while pulling `debian:bookworm-slim`/);
    expect(line(t.mirrorTimeout)).toMatch(/^The image mirror did not answer while pulling `nginx`/);
  });

  it("a learner's own registry that is not running is named as theirs", () => {
    expect(line(t.ownRegistryDownPull)).toBe('Nothing answers at `localhost:5001`, the registry `localhost:5001/busybox` names: is that registry running? (`docker ps` shows it)');
    expect(line(t.ownRegistryDownBuildkit)).toMatch(/^Nothing answers at `localhost:5001`, the registry `localhost:5001\/nosuch(:latest)?` names/);
  });
});

describe('pullFailureLine: refusals of a registry', () => {
  it('a tag or repository the registry does not have (real registry in a sandbox)', () => {
    expect(line(t.registryWrongTag)).toBe('`localhost:5000/busybox:nosuchtag` was not found: check the name and the tag.');
    for (const c of [t.registryMissingRepo, t.registryRunMissing, t.registryBuildkitWrongTag, t.registryBuildkitMissing]) expect(line(c)).toMatch(/^`localhost:5000\/\S+` was not found: check the name and the tag\.$/);
    expect(line(t.registryComposeWrongTag)).toBe('`localhost:5000/busybox:nosuchtag` was not found: check the name and the tag.');
  });

  it("Docker Hub's not-found names the tags kept here", () => {
    expect(line(t.hubWrongTag)).toBe('`nginx:no-such-tag` was not found: check the name and the tag. Tags of it here: latest, alpine.');
  });

  it('a private image, from the daemon and from BuildKit', () => {
    expect(line(t.hubPrivate)).toMatch(/^`someuser\/private-thing` is private or does not exist: the registry wants a login/);
    expect(line(t.buildkitPrivate)).toMatch(/^`someuser\/private-thing` is private or does not exist/);
  });

  it('the rate limit', () => {
    expect(line(t.rateLimited)).toMatch(/^Docker Hub refused `node:20` for now: this host reached its pull rate limit\. Try again later.*Images available offline: hello-world/);
    expect(line(t.rateLimitedBuildkit)).toMatch(/^Docker Hub refused `rust:1` for now/);
  });

  it('a download cut halfway', () => {
    expect(line(t.cutOffReal)).toBe('The download of `localhost:5002/cut` was cut off halfway (the connection dropped): run the same command again; the layers already downloaded are kept.');
    expect(line(t.cutOffProgress)).toBe('The download of `postgres` was cut off halfway (the connection dropped): run the same command again; the layers already downloaded are kept.');
    expect(line(t.cutOffBeforeProgress)).toMatch(/^The download of `localhost:5002\/cut` was cut off halfway/);
    expect(line(t.cutOffDaemon)).toMatch(/^The download of `php:5.4-cli` was cut off halfway/);
    expect(line(t.resetBuildkit)).toMatch(/^The download of `node:20-alpine` was cut off halfway/);
  });
});

describe('pullFailureLine: everything else gets no line', () => {
  it.each([
    ['a successful pull', t.pullOk],
    ["a program's own error output", { command: 'python3 app.py', output: 'Traceback (most recent call last):\nValueError: error: manifest unknown, not found\nError: connection refused' }],
    ['a shell error', { command: 'cat nope', output: 'cat: nope: No such file or directory' }],
    ['a container that prints network faults after a good pull', { command: 'docker run --rm busybox wget http://x', output: "Unable to find image 'busybox:latest' locally\nlatest: Pulling from library/busybox\n13abacd2e103: Pull complete\nStatus: Downloaded newer image for busybox:latest\nwget: bad address 'x': no such host\nconnection reset by peer" }],
    ['a container failing to start (not a pull)', { command: 'docker run nginx nope', output: 'docker: Error response from daemon: failed to create task for container: exec: "nope": executable file not found in $PATH: unknown.' }],
    ['empty output', { command: 'true', output: '' }],
  ])('%s', (_, c) => {
    expect(line(c)).toBeUndefined();
  });
});

describe('helpers', () => {
  it('finds the failure lines only', () => {
    expect(pullErrorLines(t.pullOk.output)).toEqual([]);
    expect(pullErrorLines(t.classicMissingOpen.output)).toEqual(['Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: no such host']);
  });

  it('reads the image from docker pull options', () => {
    expect(failedImage('docker pull -q --platform linux/amd64 nginx:1', '')).toEqual({ image: 'nginx:1' });
    expect(failedImage('docker image pull docker.io/library/redis', '')).toEqual({ image: 'redis' });
  });

  it('groups the catalog by repository', () => {
    expect(offlineList(['a:latest', 'b:1', 'b:2', 'x/y:latest'])).toBe('a, b (1, 2), x/y');
  });

  it('uses the real catalog by default', () => {
    expect(pullFailureLine(t.pullMissingOpen.command, t.pullMissingOpen.output)).toMatch(/Images available offline: .*hello-world.*nginx \(latest, alpine\)/);
  });
});

describe('registry commands that are not pulls', () => {
  it('login, search and push to Docker Hub say there is no internet and what works instead', () => {
    expect(line(t.hubLogin)).toBe('Sandboxes here have no internet, so Docker Hub cannot be reached for `docker login`. A registry of your own works: `docker run -d -p 5000:5000 registry:2`.');
    expect(line(t.hubSearch)).toMatch(/^Sandboxes here have no internet, so Docker Hub cannot be reached for `docker search`/);
    expect(line(t.hubPush)).toMatch(/^Sandboxes here have no internet, so Docker Hub cannot be reached for `docker push`/);
  });

  it("login and push to the learner's own registry that is not running", () => {
    expect(line(t.ownRegistryLogin)).toBe('Nothing answers at `localhost:5000`: is that registry running? (`docker ps` shows it)');
    expect(line(t.ownRegistryPush)).toBe('Nothing answers at `localhost:5000`: is that registry running? (`docker ps` shows it)');
  });
});

describe('pullFailureLine: the mirror as a cache of a real registry', () => {
  // The cache answers "unknown" for whatever its upstream refused, so the learner sees the same daemon line as offline.
  it.each([
    ['docker pull', t.pullMissingBlocked],
    ['docker run', t.runMissingBlocked],
  ])('%s of a name the upstream refused: no "offline" list, the three likely causes instead', (_, c) => {
    const l = pullFailureLine(c.command, c.output, undefined, true)!;
    expect(l).toMatch(/^`nosuchimage(:latest)?` could not be pulled through this host's image cache: the registry has no such public image, it is private, or its pull limit was reached/);
    expect(l).not.toMatch(/offline|no internet|\n|registry-1/);
  });
});
