/**
 * Real outputs captured in a Dockhand sandbox (Docker 26, BuildKit, Compose v2) on this host, offline: with egress
 * blocked and open, against a registry started inside the sandbox, and with the mirror pointed at a port nothing
 * listens on. The upstream refusals (rate limit, cut download, private image on Docker Hub) need an online
 * pull-through mirror, so those use dockerd's and BuildKit's wording as reported in public issue threads.
 */

export const pullMissingBlocked = { command: "docker pull nosuchimage", output: "Using default tag: latest\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:58682->127.0.0.11:53: write: operation not permitted" };

export const pullMissingOpen = { command: "docker pull nosuchimage", output: "Using default tag: latest\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: no such host" };

export const runMissingBlocked = { command: "docker run --rm nosuchimage", output: "Unable to find image 'nosuchimage:latest' locally\ndocker: Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:52486->127.0.0.11:53: write: operation not permitted.\nSee 'docker run --help'." };

export const runMissingOpen = { command: "docker run --rm nosuchimage", output: "Unable to find image 'nosuchimage:latest' locally\ndocker: Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: no such host.\nSee 'docker run --help'." };

export const pullUserImageBlocked = { command: "docker pull someuser/private-thing", output: "Using default tag: latest\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:33109->127.0.0.11:53: write: operation not permitted" };

export const pullUserImageOpen = { command: "docker pull someuser/private-thing", output: "Using default tag: latest\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: no such host" };

export const pullWrongTagBlocked = { command: "docker pull nginx:no-such-tag", output: "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:45167->127.0.0.11:53: write: operation not permitted" };

export const pullWrongTagOpen = { command: "docker pull nginx:no-such-tag", output: "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: no such host" };

export const runWrongTagBlocked = { command: "docker run -d nginx:no-such-tag", output: "Unable to find image 'nginx:no-such-tag' locally\ndocker: Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:46635->127.0.0.11:53: write: operation not permitted.\nSee 'docker run --help'." };

export const runWrongTagOpen = { command: "docker run -d nginx:no-such-tag", output: "Unable to find image 'nginx:no-such-tag' locally\ndocker: Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: no such host.\nSee 'docker run --help'." };

export const buildkitMissingBlocked = { command: "mkdir -p /tmp/b && cd /tmp/b && printf \"FROM nosuchimage\\nRUN true\\n\" > Dockerfile && docker build -t x .", output: "\n[+] Building 0.0s (2/2) FINISHED                                                                         docker:default\n => [internal] load build definition from Dockerfile                                                               0.0s\n => => transferring dockerfile: 63B                                                                                0.0s\n => ERROR [internal] load metadata for docker.io/library/nosuchimage:latest                                        0.0s\n------\n > [internal] load metadata for docker.io/library/nosuchimage:latest:\n------\nDockerfile:1\n--------------------\n   1 | >>> FROM nosuchimage\n   2 |     RUN true\n   3 |\n--------------------\nERROR: failed to solve: nosuchimage: failed to resolve source metadata for docker.io/library/nosuchimage:latest: failed to do request: Head \"https://registry-1.docker.io/v2/library/nosuchimage/manifests/latest\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:56652->127.0.0.11:53: write: operation not permitted" };

export const buildkitMissingOpen = { command: "mkdir -p /tmp/b && cd /tmp/b && printf \"FROM nosuchimage\\nRUN true\\n\" > Dockerfile && docker build -t x .", output: "\n[+] Building 0.0s (2/2) FINISHED                                                                         docker:default\n => [internal] load build definition from Dockerfile                                                               0.0s\n => => transferring dockerfile: 63B                                                                                0.0s\n => ERROR [internal] load metadata for docker.io/library/nosuchimage:latest                                        0.0s\n------\n > [internal] load metadata for docker.io/library/nosuchimage:latest:\n------\nDockerfile:1\n--------------------\n   1 | >>> FROM nosuchimage\n   2 |     RUN true\n   3 |\n--------------------\nERROR: failed to solve: nosuchimage: failed to resolve source metadata for docker.io/library/nosuchimage:latest: failed to do request: Head \"https://registry-1.docker.io/v2/library/nosuchimage/manifests/latest\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: no such host" };

export const classicMissingBlocked = { command: "cd /tmp/b && DOCKER_BUILDKIT=0 docker build -t x .", output: "DEPRECATED: The legacy builder is deprecated and will be removed in a future release.\n            BuildKit is currently disabled; enable it by removing the DOCKER_BUILDKIT=0\n            environment-variable.\n\nSending build context to Docker daemon  2.048kB\nStep 1/2 : FROM nosuchimage\nGet \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:37624->127.0.0.11:53: write: operation not permitted" };

export const classicMissingOpen = { command: "cd /tmp/b && DOCKER_BUILDKIT=0 docker build -t x .", output: "DEPRECATED: The legacy builder is deprecated and will be removed in a future release.\n            BuildKit is currently disabled; enable it by removing the DOCKER_BUILDKIT=0\n            environment-variable.\n\nSending build context to Docker daemon  2.048kB\nStep 1/2 : FROM nosuchimage\nGet \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: no such host" };

export const composeUpMissingBlocked = { command: "mkdir -p /tmp/c && cd /tmp/c && printf \"services:\\n  web:\\n    image: nosuchimage\\n\" > compose.yaml && docker compose up -d", output: "\n[+] Running 1/0\n ✘ web Error Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0....            0.0s\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:52953->127.0.0.11:53: write: operation not permitted" };

export const composeUpMissingOpen = { command: "mkdir -p /tmp/c && cd /tmp/c && printf \"services:\\n  web:\\n    image: nosuchimage\\n\" > compose.yaml && docker compose up -d", output: "\n[+] Running 1/0\n ✘ web Error Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0....            0.0s\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: no such host" };

export const composePullMissingBlocked = { command: "cd /tmp/c && docker compose pull", output: "\n[+] Pulling 1/0\n ✘ web Error Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0....            0.0s\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:54947->127.0.0.11:53: write: operation not permitted" };

export const pullOk = { command: "docker pull hello-world", output: "Using default tag: latest\nlatest: Pulling from library/hello-world\n13abacd2e103: Pull complete\n9930573f10a7: Pull complete\nDigest: sha256:05ba6a19004cb100261f9e75203558d493d9932421d40d928175ac488339985e\nStatus: Downloaded newer image for hello-world:latest\ndocker.io/library/hello-world:latest" };

export const mirrorDownPull = { command: "docker pull hello-world", output: "Using default tag: latest\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:37840->127.0.0.11:53: write: operation not permitted" };

export const mirrorDownRun = { command: "docker run --rm hello-world", output: "Unable to find image 'hello-world:latest' locally\ndocker: Error response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:59921->127.0.0.11:53: write: operation not permitted.\nSee 'docker run --help'." };

export const mirrorDownBuildkit = { command: "mkdir -p /tmp/b && cd /tmp/b && printf \"FROM debian:bookworm-slim\\nRUN true\\n\" > Dockerfile && docker build -t x .", output: "\n[+] Building 0.0s (2/2) FINISHED                                                                         docker:default\n => [internal] load build definition from Dockerfile                                                               0.0s\n => => transferring dockerfile: 72B                                                                                0.0s\n => ERROR [internal] load metadata for docker.io/library/debian:bookworm-slim                                      0.0s\n------\n > [internal] load metadata for docker.io/library/debian:bookworm-slim:\n------\nDockerfile:1\n--------------------\n   1 | >>> FROM debian:bookworm-slim\n   2 |     RUN true\n   3 |\n--------------------\nERROR: failed to solve: debian:bookworm-slim: failed to resolve source metadata for docker.io/library/debian:bookworm-slim: failed to do request: Head \"https://10.213.166.98:5999/v2/library/debian/manifests/bookworm-slim?ns=docker.io\": dial tcp 10.213.166.98:5999: connect: connection refused" };

export const registryWrongTag = { command: "docker pull localhost:5000/busybox:nosuchtag", output: "Error response from daemon: manifest for localhost:5000/busybox:nosuchtag not found: manifest unknown: manifest unknown" };

export const registryMissingRepo = { command: "docker pull localhost:5000/nosuch", output: "Using default tag: latest\nError response from daemon: manifest for localhost:5000/nosuch:latest not found: manifest unknown: manifest unknown" };

export const registryRunMissing = { command: "docker run --rm localhost:5000/nosuch:v1", output: "Unable to find image 'localhost:5000/nosuch:v1' locally\ndocker: Error response from daemon: manifest for localhost:5000/nosuch:v1 not found: manifest unknown: manifest unknown.\nSee 'docker run --help'." };

export const registryBuildkitWrongTag = { command: "mkdir -p /tmp/b && cd /tmp/b && printf \"FROM localhost:5000/busybox:nosuchtag\\n\" > Dockerfile && docker build -t x .", output: "\n[+] Building 0.1s (2/2) FINISHED                                                                         docker:default\n => [internal] load build definition from Dockerfile                                                               0.0s\n => => transferring dockerfile: 75B                                                                                0.0s\n => ERROR [internal] load metadata for localhost:5000/busybox:nosuchtag                                            0.0s\n------\n > [internal] load metadata for localhost:5000/busybox:nosuchtag:\n------\nDockerfile:1\n--------------------\n   1 | >>> FROM localhost:5000/busybox:nosuchtag\n   2 |\n--------------------\nERROR: failed to solve: localhost:5000/busybox:nosuchtag: failed to resolve source metadata for localhost:5000/busybox:nosuchtag: localhost:5000/busybox:nosuchtag: not found" };

export const registryBuildkitMissing = { command: "cd /tmp/b && printf \"FROM localhost:5000/nosuch\\n\" > Dockerfile && docker build -t x .", output: "\n[+] Building 0.0s (2/2) FINISHED                                                                         docker:default\n => [internal] load build definition from Dockerfile                                                               0.0s\n => => transferring dockerfile: 64B                                                                                0.0s\n => ERROR [internal] load metadata for localhost:5000/nosuch:latest                                                0.0s\n------\n > [internal] load metadata for localhost:5000/nosuch:latest:\n------\nDockerfile:1\n--------------------\n   1 | >>> FROM localhost:5000/nosuch\n   2 |\n--------------------\nERROR: failed to solve: localhost:5000/nosuch: failed to resolve source metadata for localhost:5000/nosuch:latest: localhost:5000/nosuch:latest: not found" };

export const registryComposeWrongTag = { command: "mkdir -p /tmp/c && cd /tmp/c && printf \"services:\\n  web:\\n    image: localhost:5000/busybox:nosuchtag\\n\" > compose.yaml && docker compose up -d", output: "\n[+] Running 1/0\n ✘ web Error manifest for localhost:5000/busybox:nosuchtag not found: manifest unknown: manifest unk...            0.0s\nError response from daemon: manifest for localhost:5000/busybox:nosuchtag not found: manifest unknown: manifest unknown" };

export const ownRegistryDownPull = { command: "docker pull localhost:5001/busybox", output: "Using default tag: latest\nError response from daemon: Get \"http://localhost:5001/v2/\": dial tcp 127.0.0.1:5001: connect: connection refused" };

export const ownRegistryDownBuildkit = { command: "cd /tmp/b && printf \"FROM localhost:5001/nosuch\\n\" > Dockerfile && docker build -t x .", output: "\n[+] Building 0.0s (2/2) FINISHED                                                                         docker:default\n => [internal] load build definition from Dockerfile                                                               0.0s\n => => transferring dockerfile: 64B                                                                                0.0s\n => ERROR [internal] load metadata for localhost:5001/nosuch:latest                                                0.0s\n------\n > [internal] load metadata for localhost:5001/nosuch:latest:\n------\nDockerfile:1\n--------------------\n   1 | >>> FROM localhost:5001/nosuch\n   2 |\n--------------------\nERROR: failed to solve: localhost:5001/nosuch: failed to resolve source metadata for localhost:5001/nosuch:latest: failed to do request: Head \"https://localhost:5001/v2/nosuch/manifests/latest\": dial tcp 127.0.0.1:5001: connect: connection refused" };

// Registry commands that are not pulls (egress blocked).
export const hubPush = { command: "docker pull -q busybox >/dev/null; docker tag busybox someuser/mine && docker push someuser/mine", output: "Using default tag: latest\nThe push refers to repository [docker.io/someuser/mine]\nGet \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:38124->127.0.0.11:53: write: operation not permitted" };

export const hubLogin = { command: "docker login -u x -p y", output: "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:52759->127.0.0.11:53: write: operation not permitted" };

export const ownRegistryLogin = { command: "docker login -u x -p y localhost:5000", output: "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\nError response from daemon: Get \"http://localhost:5000/v2/\": dial tcp 127.0.0.1:5000: connect: connection refused" };

export const ownRegistryPush = { command: "docker tag busybox localhost:5000/mine && docker push localhost:5000/mine", output: "Using default tag: latest\nThe push refers to repository [localhost:5000/mine]\nGet \"http://localhost:5000/v2/\": dial tcp 127.0.0.1:5000: connect: connection refused" };

export const hubSearch = { command: "docker search nginx", output: "Error response from daemon: Get \"https://index.docker.io/v1/search?q=nginx&n=25\": dial tcp: lookup index.docker.io on 127.0.0.11:53: write udp 127.0.0.1:47410->127.0.0.11:53: write: operation not permitted" };

// A registry run in the sandbox (python:3.11-slim stand-in) that sends half of each layer and closes: dockerd retried
// for 50 s (its default of 5 download attempts) and ended with this.
export const cutOffReal = { command: 'docker pull localhost:5002/cut', output: "Using default tag: latest\nlatest: Pulling from cut\n747224e53ebd: Downloading [==================================================>]      1MB/1MB\nunexpected EOF" };

// Upstream refusals, in dockerd's and BuildKit's wording as public threads quote it (docker/hub-feedback#2429 and
// #2004, docker/for-linux#1442, ScribeMD/docker-cache#829, zhaarey/wrapper#33, drawdb-io/drawdb#293); hosts shortened.
export const hubPrivate = {
  command: 'docker pull someuser/private-thing',
  output: "Using default tag: latest\nError response from daemon: pull access denied for someuser/private-thing, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
};
export const buildkitPrivate = {
  command: 'docker build -t x .',
  output: 'ERROR: failed to solve: someuser/private-thing: failed to resolve source metadata for docker.io/someuser/private-thing:latest: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
};
export const hubWrongTag = {
  command: 'docker run -d nginx:no-such-tag',
  output: "Unable to find image 'nginx:no-such-tag' locally\ndocker: Error response from daemon: manifest for nginx:no-such-tag not found: manifest unknown: manifest unknown.\nSee 'docker run --help'.",
};
export const rateLimited = {
  command: 'docker pull node:20',
  output: 'Error response from daemon: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit',
};
export const rateLimitedBuildkit = {
  command: 'docker build .',
  output: 'ERROR: failed to solve: rust:1: failed to resolve source metadata for docker.io/library/rust:1: failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/rust/manifests/sha256:de6e: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.',
};
export const cutOffProgress = {
  command: 'docker pull postgres',
  output: 'Using default tag: latest\nlatest: Pulling from library/postgres\na603fa5e3b41: Retrying in 7 seconds\n02d7a77348fd: Downloading [=====>   ]  1.587MB/1.587MB\n16b62ca80c8f: Waiting\nunexpected EOF',
};
// Cut before the first progress update: the terminal's last state of the layer's line is its first status.
export const cutOffBeforeProgress = { command: 'docker pull localhost:5002/cut', output: 'Using default tag: latest\nlatest: Pulling from cut\n747224e53ebd: Pulling fs layer\nunexpected EOF' };
export const cutOffDaemon = { command: 'docker pull php:5.4-cli', output: 'Error response from daemon: unexpected EOF' };
export const resetBuildkit = {
  command: 'docker build -t app .',
  output: 'ERROR: failed to solve: node:20-alpine: failed to resolve source metadata for docker.io/library/node:20-alpine: failed to do request: Head "https://mirror.example/v2/library/node/manifests/20-alpine?ns=docker.io": read tcp 192.168.127.130:44148->150.136.252.237:443: read: connection reset by peer',
};
export const mirrorTimeout = {
  command: 'docker pull nginx',
  output: 'Using default tag: latest\nError response from daemon: Get "http://172.23.0.2:5000/v2/": dial tcp 172.23.0.2:5000: i/o timeout',
};
