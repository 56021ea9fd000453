/**
 * A registry upstream that misbehaves on purpose, run with `python3 -c` in the python stand-in image on the test's
 * upstream network (port 5000). By repository: `private-app` answers 401 (an image the account may not pull),
 * `refused-app` 404, `limited-app` 429 (Docker Hub's rate limit), `halfway-app` serves its manifest and config but
 * drops the connection halfway through its one layer (the upstream gone mid-pull). /v2/ answers 200 (no auth).
 */
export const FAKE_UPSTREAM_PY = String.raw`
import gzip, hashlib, http.server, io, json, os, tarfile

def sha(b): return 'sha256:' + hashlib.sha256(b).hexdigest()

raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode='w') as t:
    data = os.urandom(2 * 1024 * 1024)
    info = tarfile.TarInfo('big.bin'); info.size = len(data)
    t.addfile(info, io.BytesIO(data))
layer = gzip.compress(raw.getvalue(), 1)
config = json.dumps({'architecture': 'amd64', 'os': 'linux', 'config': {'Cmd': ['/big.bin']},
                     'rootfs': {'type': 'layers', 'diff_ids': [sha(raw.getvalue())]}}).encode()
manifest = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.docker.distribution.manifest.v2+json',
    'config': {'mediaType': 'application/vnd.docker.container.image.v1+json', 'size': len(config), 'digest': sha(config)},
    'layers': [{'mediaType': 'application/vnd.docker.image.rootfs.diff.tar.gzip', 'size': len(layer), 'digest': sha(layer)}]}).encode()
blobs = {sha(config): config, sha(layer): layer}
ERRORS = {
    'private-app': (401, 'UNAUTHORIZED', 'authentication required'),
    'refused-app': (404, 'MANIFEST_UNKNOWN', 'manifest unknown'),
    'limited-app': (429, 'TOOMANYREQUESTS', 'You have reached your pull rate limit.'),
}

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def send(self, code, body, ctype='application/json', extra=None, cut=False):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Docker-Distribution-API-Version', 'registry/2.0')
        for k, v in (extra or {}).items(): self.send_header(k, v)
        self.end_headers()
        if self.command == 'GET':
            self.wfile.write(body[: len(body) // 2] if cut else body)
        if cut:
            self.wfile.flush(); self.close_connection = True; self.connection.shutdown(2)
    def do_GET(self):
        parts = self.path.split('?')[0].strip('/').split('/')
        if parts == ['v2']: return self.send(200, b'{}')
        repo = parts[-3] if len(parts) >= 4 else ''
        if repo in ERRORS:
            code, err, msg = ERRORS[repo]
            return self.send(code, json.dumps({'errors': [{'code': err, 'message': msg}]}).encode())
        if repo == 'halfway-app' and parts[-2] == 'manifests':
            return self.send(200, manifest, 'application/vnd.docker.distribution.manifest.v2+json', {'Docker-Content-Digest': sha(manifest)})
        if repo == 'halfway-app' and parts[-2] == 'blobs' and parts[-1] in blobs:
            return self.send(200, blobs[parts[-1]], 'application/octet-stream', {'Docker-Content-Digest': parts[-1]}, cut=parts[-1] == sha(layer))
        self.send(404, json.dumps({'errors': [{'code': 'NAME_UNKNOWN', 'message': 'repository name not known to registry'}]}).encode())
    do_HEAD = do_GET
    def log_message(self, *a): pass

http.server.ThreadingHTTPServer(('', 5000), H).serve_forever()
`;
