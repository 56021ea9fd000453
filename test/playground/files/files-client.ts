import http from 'node:http';

export interface FilesAnswer {
  status: number;
  body: Buffer;
  json: { error?: string; problem?: string; [k: string]: unknown };
  headers: http.IncomingHttpHeaders;
}

/**
 * A playground request as the page makes it (or as an attacker would): the session cookie and the Origin header
 * exactly as given (Node's fetch may drop or rewrite Origin; a raw request does not).
 */
export function call(base: string, o: { method?: string; path: string; cookie?: string; origin?: string; body?: Buffer | string; headers?: Record<string, string> }): Promise<FilesAnswer> {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : Buffer.from(o.body);
    const req = http.request(new URL(o.path, base), {
      method: o.method ?? 'GET',
      headers: {
        ...(o.cookie && { Cookie: o.cookie }),
        ...(o.origin && { Origin: o.origin }),
        ...(body && { 'Content-Length': String(body.length), 'Content-Type': 'application/octet-stream' }),
        ...o.headers,
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        let json = {};
        if (String(res.headers['content-type']).startsWith('application/json')) json = JSON.parse(buf.toString()) as object;
        resolve({ status: res.statusCode ?? 0, body: buf, json, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Starts a PUT that announces `declaredBytes` and sends zeros in 64 KiB chunks until the answer comes: the
 * status, and how much was sent before it (a refusal from the header alone comes after next to nothing).
 */
export function hugeUpload(base: string, o: { path: string; cookie: string; origin: string; declaredBytes: number }): Promise<{ status: number; sentBytes: number; json: { error?: string } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(o.path, base), { method: 'PUT', headers: { Cookie: o.cookie, Origin: o.origin, 'Content-Length': String(o.declaredBytes), 'Content-Type': 'application/octet-stream' } });
    const chunk = Buffer.alloc(64 * 1024);
    let sent = 0;
    let answered = false;
    const pump = () => {
      while (!answered && sent < o.declaredBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
    };
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, sentBytes: sent, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') as { error?: string } });
      });
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    pump();
  });
}

export const q = (p: string) => encodeURIComponent(p);
