import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors';

/**
 * Slack tokens at rest: AES-256-GCM with a fresh 12-byte IV per value. Stored as
 * `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url): the key id (first bytes of the key's SHA-256) lets a
 * wrong SLACK_TOKEN_KEY be told apart from a damaged value, and the GCM tag rejects any tampering.
 */
export class TokenCipher {
  private readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new AppError('TOKEN_KEY_INVALID', `SLACK_TOKEN_KEY must be 32 bytes, got ${key.length}`);
    this.keyId = createHash('sha256').update(key).digest('base64url').slice(0, 8);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Throws AppError TOKEN_KEY_MISMATCH (another key sealed it) or TOKEN_TAMPERED (not what was sealed). */
  decrypt(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== 'v1') throw new AppError('TOKEN_TAMPERED', 'A stored Slack token is not in the expected format (v1.key.iv.tag.data)');
    const [, keyId, iv, tag, body] = parts as [string, string, string, string, string];
    if (keyId !== this.keyId) {
      throw new AppError('TOKEN_KEY_MISMATCH', 'A stored Slack token was encrypted with another SLACK_TOKEN_KEY: restore the old key, or reinstall the app in that workspace');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new AppError('TOKEN_TAMPERED', 'A stored Slack token failed its integrity check (changed after it was written)', { cause: err });
    }
  }
}
