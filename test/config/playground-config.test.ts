import { ConfigError, readConfig } from '../../src/config';

const problemsOf = (env: Record<string, string>) => {
  try {
    readConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

describe('web playground settings', () => {
  it('is off unless WEB_PORT is set', () => {
    expect(readConfig({}).playground).toBeUndefined();
    expect(readConfig({ WEB_PORT: '8080' }).playground).toEqual({ port: 8080, host: '0.0.0.0', publicUrl: undefined, secret: undefined, adminView: false, previewMaxSeconds: 600 });
  });

  it('takes PUBLIC_URL as an origin and a long PLAYGROUND_SECRET', () => {
    const c = readConfig({ WEB_PORT: '8080', PUBLIC_URL: 'https://play.example.com', PLAYGROUND_SECRET: 'x'.repeat(32) }).playground!;
    expect(c.publicUrl?.origin).toBe('https://play.example.com');
    expect(c.secret?.length).toBe(32);
  });

  it('names each wrong value', () => {
    expect(problemsOf({ WEB_PORT: 'web' })[0]).toMatch(/^WEB_PORT: expected a TCP port/);
    expect(problemsOf({ WEB_PORT: '8080', PUBLIC_URL: 'https://play.example.com/sub' })[0]).toMatch(/^PUBLIC_URL: expected .* origin without a path/);
    expect(problemsOf({ WEB_PORT: '8080', PUBLIC_URL: 'ftp://x' })[0]).toMatch(/^PUBLIC_URL/);
    expect(problemsOf({ WEB_PORT: '8080', PLAYGROUND_SECRET: 'short' })).toEqual(['PLAYGROUND_SECRET: expected a random string of at least 32 characters (openssl rand -base64 32)']);
    expect(problemsOf({ PUBLIC_URL: 'https://play.example.com' })[0]).toMatch(/^WEB_PORT: missing/);
  });

  it('PLAYGROUND_ADMIN_VIEW: off unless true, and only with WEB_PORT', () => {
    expect(readConfig({ WEB_PORT: '8080', PLAYGROUND_ADMIN_VIEW: 'true' }).playground?.adminView).toBe(true);
    expect(readConfig({ WEB_PORT: '8080', PLAYGROUND_ADMIN_VIEW: 'false' }).playground?.adminView).toBe(false);
    expect(problemsOf({ WEB_PORT: '8080', PLAYGROUND_ADMIN_VIEW: 'yes' })).toEqual(['PLAYGROUND_ADMIN_VIEW: expected true or false, got "yes"']);
    expect(problemsOf({ PLAYGROUND_ADMIN_VIEW: 'true' })[0]).toMatch(/^PLAYGROUND_ADMIN_VIEW: only applies with WEB_PORT/);
  });

  it('PLAYGROUND_PREVIEW_DOMAIN: a DNS name outside PUBLIC_URL\'s host, lower-cased; unset by default', () => {
    expect(readConfig({ WEB_PORT: '8080' }).playground?.previewDomain).toBeUndefined();
    expect(problemsOf({ PLAYGROUND_PREVIEW_DOMAIN: 'preview.example.net' })).toEqual(["PLAYGROUND_PREVIEW_DOMAIN: only applies with WEB_PORT (the playground's port) set"]);
    expect(readConfig({ WEB_PORT: '8080', PUBLIC_URL: 'https://play.example.com', PLAYGROUND_PREVIEW_DOMAIN: 'Preview.Example.NET.' }).playground?.previewDomain).toBe('preview.example.net');
    expect(problemsOf({ WEB_PORT: '8080', PLAYGROUND_PREVIEW_DOMAIN: 'https://preview.example.net' })[0]).toMatch(/^PLAYGROUND_PREVIEW_DOMAIN: expected a DNS name/);
    expect(problemsOf({ WEB_PORT: '8080', PLAYGROUND_PREVIEW_DOMAIN: 'localhost' })[0]).toMatch(/^PLAYGROUND_PREVIEW_DOMAIN: expected a DNS name/);
    expect(problemsOf({ WEB_PORT: '8080', PUBLIC_URL: 'https://play.example.com', PLAYGROUND_PREVIEW_DOMAIN: 'example.com' })[0]).toMatch(/must not be example.com or inside it/);
  });
});
