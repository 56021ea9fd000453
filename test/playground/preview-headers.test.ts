import { browserResponseHeaders, OWN_ORIGIN_CSP, PREVIEW_CSP, rewriteLocation, upstreamRequestHeaders, withoutSession } from '../../src/playground/preview/preview-headers';
import { problemPage } from '../../src/playground/preview/preview-pages';

const publicUrl = new URL('https://play.example.com');

describe('preview headers', () => {
  it("never send the playground's session cookie to the learner's app, and name the app as the sandbox does", () => {
    const h = upstreamRequestHeaders({ cookie: 'a=1; dockhand_playground=secret.mac; b=2', host: 'play.example.com', connection: 'keep-alive', accept: 'text/html' }, { port: 8080, prefix: '/preview/8080', publicUrl });
    expect(h.cookie).toBe('a=1; b=2');
    expect(h.host).toBe('localhost:8080');
    expect(h.connection).toBeUndefined();
    expect(h['x-forwarded-prefix']).toBe('/preview/8080');
    expect(h.accept).toBe('text/html');
    expect(upstreamRequestHeaders({ cookie: 'dockhand_playground=x' }, { port: 1, prefix: '/preview/1', publicUrl }).cookie).toBeUndefined();
    expect(withoutSession(' dockhand_playground=x ;c=3')).toBe('c=3');
    // an admin's watch sessions (one cookie per watched learner) never reach their own app either
    expect(withoutSession('dockhand_watch_U0LEARN=w.mac; c=3; dockhand_playground=x')).toBe('c=3');
  });

  it("keep the app's headers but add the sandbox CSP and drop what could harm the playground's origin", () => {
    const h = browserResponseHeaders(
      {
        'content-type': 'text/html',
        'content-security-policy': "default-src 'self'",
        'set-cookie': ['dockhand_playground=evil; Path=/', 'dockhand_watch_U0LEARN=evil; Path=/', 'app=1; Path=/'],
        'strict-transport-security': 'max-age=63072000; includeSubDomains',
        'clear-site-data': '"cookies"',
        location: '/login',
      },
      { prefix: '/preview/3000' },
    );
    expect(h['content-security-policy']).toEqual(["default-src 'self'", PREVIEW_CSP]);
    expect(PREVIEW_CSP).toMatch(/^sandbox /);
    expect(PREVIEW_CSP).not.toContain('allow-same-origin');
    expect(h['set-cookie']).toEqual(['app=1; Path=/']);
    expect(h['strict-transport-security']).toBeUndefined();
    expect(h['clear-site-data']).toBeUndefined();
    expect(h.location).toBe('/preview/3000/login');
    expect(h['content-type']).toBe('text/html');
  });

  it("on the preview's own origin: no sandbox, no framing, the dangerous headers still dropped, cookies host-only, ours never set", () => {
    const h = browserResponseHeaders(
      {
        'content-security-policy': "script-src 'self'",
        'strict-transport-security': 'max-age=63072000; includeSubDomains',
        'alt-svc': 'h2=":4443"',
        'service-worker-allowed': '/',
        'set-cookie': ['s=1; Domain=.preview.example.net; Path=/; HttpOnly', '__Host-dockhand_preview=x; Path=/; Secure', '__Host-dockhand_playground=y; Path=/; Secure'],
        location: 'http://localhost:8080/login',
      },
      { prefix: '', ownOrigin: true },
    );
    expect(h['content-security-policy']).toEqual(["script-src 'self'", OWN_ORIGIN_CSP]);
    expect(JSON.stringify(h['content-security-policy'])).not.toContain('sandbox');
    expect(h['strict-transport-security']).toBeUndefined();
    expect(h['alt-svc']).toBeUndefined();
    expect(h['service-worker-allowed']).toBeUndefined();
    expect(h['set-cookie']).toEqual(['s=1; Path=/; HttpOnly']);
    expect(h.location).toBe('/login');
    const up = upstreamRequestHeaders({ cookie: 'a=1; __Host-dockhand_preview=t; __Host-dockhand_playground=s' }, { port: 8080, prefix: '', publicUrl: new URL('https://p8080-ab.preview.example.net') });
    expect([up.cookie, up['x-forwarded-host'], up['x-forwarded-prefix']]).toEqual(['a=1', 'p8080-ab.preview.example.net', undefined]);
  });

  it('keep redirects inside the preview', () => {
    expect(rewriteLocation('/a?b=1', '/preview/80')).toBe('/preview/80/a?b=1');
    expect(rewriteLocation('http://localhost/dir/', '/preview/8080')).toBe('/preview/8080/dir/');
    expect(rewriteLocation('http://127.0.0.1:8080/x#y', '/preview/8080')).toBe('/preview/8080/x#y');
    expect(rewriteLocation('https://example.com/', '/preview/8080')).toBe('https://example.com/');
    expect(rewriteLocation('//evil.example/x', '/preview/8080')).toBe('//evil.example/x');
    expect(rewriteLocation('next', '/preview/8080')).toBe('next');
  });

  it('say plainly what went wrong, with a 5xx when the app did not answer', () => {
    expect(problemPage('refused', 8080)).toMatchObject({ status: 502, html: expect.stringContaining('Nothing is listening on port 8080') });
    expect(problemPage('timeout', 1).status).toBe(504);
    expect(problemPage('session', 1).status).toBe(401);
  });
});
