import { randomBytes } from 'node:crypto';
import { AppError } from '../../src/errors';
import { TokenCipher } from '../../src/store/token-cipher';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
  return undefined;
};

describe('TokenCipher (AES-256-GCM for Slack tokens at rest)', () => {
  const token = 'xoxb-1234-5678-abcdefghijklmnop';
  const cipher = new TokenCipher(randomBytes(32));

  it('round-trips a token, and the stored form never contains it', () => {
    const sealed = cipher.encrypt(token);
    expect(sealed).toMatch(/^v1\.[\w-]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(token);
    expect(sealed).not.toContain(Buffer.from(token).toString('base64url'));
    expect(cipher.decrypt(sealed)).toBe(token);
  });

  it('uses a fresh IV each time: the same token seals differently', () => {
    expect(cipher.encrypt(token)).not.toBe(cipher.encrypt(token));
  });

  it('says clearly when another key sealed the value', () => {
    const sealed = new TokenCipher(randomBytes(32)).encrypt(token);
    expect(codeOf(() => cipher.decrypt(sealed))).toBe('TOKEN_KEY_MISMATCH');
    expect(() => cipher.decrypt(sealed)).toThrow(/another SLACK_TOKEN_KEY/);
  });

  it('rejects a tampered ciphertext, IV or tag, and a value in another format', () => {
    const sealed = cipher.encrypt(token);
    const parts = sealed.split('.');
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64url');
      buf[0] = buf[0]! ^ 0x01;
      return buf.toString('base64url');
    };
    for (const i of [2, 3, 4]) {
      const changed = parts.map((p, j) => (j === i ? flip(p) : p)).join('.');
      expect(codeOf(() => cipher.decrypt(changed))).toBe('TOKEN_TAMPERED');
    }
    expect(codeOf(() => cipher.decrypt(token))).toBe('TOKEN_TAMPERED');
    expect(codeOf(() => cipher.decrypt(`v2.${parts.slice(1).join('.')}`))).toBe('TOKEN_TAMPERED');
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(codeOf(() => new TokenCipher(randomBytes(16)))).toBe('TOKEN_KEY_INVALID');
  });
});
