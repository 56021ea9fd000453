import { cleanText, MAX_MESSAGE_CHARS } from '../../../src/tutor/turns/clean-text';

describe('cleanText', () => {
  it('drops C0 and C1 control characters and DEL, keeping tabs and newlines', () => {
    expect(cleanText('a\u0000b\u0007c\u001bd\u007fe\u0085f\u009fg')).toBe('abcdefg');
    expect(cleanText('col1\tcol2\nrow2')).toBe('col1\tcol2\nrow2');
  });

  it('turns Windows line endings into newlines', () => {
    expect(cleanText('a\r\nb\r\n')).toBe('a\nb\n');
  });

  it('replaces lone surrogates so the text is well-formed UTF-16, keeping real pairs', () => {
    expect(cleanText('x\uD800y')).toBe('x\uFFFDy');
    expect(cleanText('🐳 \uDC00')).toBe('🐳 \uFFFD');
    expect(cleanText('🐳').isWellFormed()).toBe(true);
  });

  it('leaves ordinary text, including non-Latin scripts, alone', () => {
    const text = '$ docker run --name café -e GREETING="こんにちは" nginx';
    expect(cleanText(text)).toBe(text);
  });

  it('reads at most a few thousand characters, far below what Slack allows', () => {
    expect(MAX_MESSAGE_CHARS).toBeGreaterThanOrEqual(1000);
    expect(MAX_MESSAGE_CHARS).toBeLessThan(40_000);
  });
});
