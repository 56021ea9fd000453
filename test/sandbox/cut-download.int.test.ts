import type { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import { pullFailureLine } from '../../src/tutor/pulls/pull-failure';
import { IMAGES_TIMEOUT_MS, newManager, sandboxImages } from './sandbox-fixture';

// A download cut halfway fails at once with one line, instead of the nested dockerd's five attempts with growing
// pauses (about 50 s): a registry the test starts inside the sandbox sends half of each layer and hangs up, and counts
// how often the layer was asked for.
jest.setTimeout(600_000);

/** A registry that serves one image, `cut`, whose only layer it cuts off halfway; prints `layer` per layer request. */
const CUT_REGISTRY = String.raw`
import hashlib, json, http.server
layer = b'\x1f\x8b' + b'x' * 999998
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]}, "config": {}}).encode()
dg = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
  "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(cfg), "digest": dg(cfg)},
  "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(layer), "digest": dg(layer)}]}).encode()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, body, ctype, cut=False):
        self.send_response(200); self.send_header("Content-Type", ctype); self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0"); self.send_header("Docker-Content-Digest", dg(body)); self.end_headers()
        if self.command == "HEAD": return
        if cut:
            print("layer", flush=True)
            self.wfile.write(body[:len(body) // 2]); self.wfile.flush(); self.close_connection = True; self.connection.shutdown(2); return
        self.wfile.write(body)
    def do_GET(self):
        p = self.path.split("?")[0]
        if p == "/v2/": return self.reply(b"{}", "application/json")
        if "/manifests/" in p: return self.reply(man, "application/vnd.docker.distribution.manifest.v2+json")
        if p.endswith(dg(cfg)): return self.reply(cfg, "application/octet-stream")
        if p.endswith(dg(layer)): return self.reply(layer, "application/octet-stream", cut=True)
        self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
    do_HEAD = do_GET
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("0.0.0.0", 5000), H).serve_forever()
`;

let manager: SandboxManager;
const L = 'T1:cut';
const run = (command: string) => manager.run(L, command, { timeoutMs: 240_000 });

beforeAll(async () => {
  await sandboxImages();
  ({ manager } = await newManager('cut-download', { blockEgress: true, maxSandboxes: 1, commandTimeoutSeconds: 240, commandMaxTimeoutSeconds: 300 }));
  await manager.start();
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
});

it('a layer cut off halfway is asked for once, and the learner gets the one line; the sandbox keeps working', async () => {
  const b64 = Buffer.from(CUT_REGISTRY).toString('base64');
  const start = await run(
    `mkdir -p /tmp/r && echo ${b64} | base64 -d > /tmp/r/reg.py && docker run -d -q --name cutreg -p 5002:5000 -v /tmp/r:/r python:3.11-slim python3 /r/reg.py >/dev/null` +
      ` && for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/5002) 2>/dev/null && break; sleep 0.2; done; echo started`,
  );
  expect(start.output).toMatch(/started$/);

  const pull = await run('docker pull localhost:5002/cut');
  // The output rides along so a failure shows what the engine printed.
  expect({ exitCode: pull.exitCode, line: pullFailureLine('docker pull localhost:5002/cut', pull.output), output: pull.output }).toEqual({
    exitCode: 1,
    line: 'The download of `localhost:5002/cut` was cut off halfway (the connection dropped): run the same command again; the layers already downloaded are kept.',
    output: expect.any(String),
  });
  // dockerd's default is five attempts (5 + 10 + 15 + 20 s of pauses); the sandbox's engine makes one.
  const asked = await run('docker logs cutreg | grep -c layer');
  expect(asked.output.trim()).toBe('1');

  const next = await run('docker run --rm hello-world');
  expect(next.exitCode).toBe(0);
  expect(next.output).toContain('Hello from Docker');
});
