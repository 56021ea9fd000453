import { interpretCheck, MESSAGE_MAX_CHARS, plainCheckText } from '../../src/lessons/check-outcome';
import type { ScriptResult as ScriptRun } from '../../src/sandbox';

const run = (over: Partial<ScriptRun>): ScriptRun => ({ exitCode: 0, output: '', timedOut: false, truncated: false, durationMs: 5, ...over });

describe('interpretCheck', () => {
  test('exit 0 passes and shows the last line', () => {
    expect(interpretCheck(run({ output: 'noise\nnginx answers on 8080.\n' }), 15000)).toMatchObject({ passed: true, reason: 'passed', message: 'nginx answers on 8080.' });
  });

  test('a failure shows the last non-empty line, without its FAIL: prefix', () => {
    const o = interpretCheck(run({ exitCode: 1, output: 'debug\nFAIL: Nothing answers on localhost:8080.\n\n  \n' }), 15000);
    expect(o).toMatchObject({ passed: false, reason: 'failed', message: 'Nothing answers on localhost:8080.', exitCode: 1 });
  });

  test('a failing check that prints nothing still gives a clear message', () => {
    expect(interpretCheck(run({ exitCode: 3 }), 15000).message).toBe('Not done yet (the check exited with code 3 and printed no message).');
  });

  test('a timed-out check fails and says so', () => {
    const o = interpretCheck(run({ exitCode: null, timedOut: true, output: 'partial' }), 15000);
    expect(o).toMatchObject({ passed: false, reason: 'timeout', message: 'The check did not finish within 15 s, so the step is not marked done.' });
  });

  test('a check stopped for flooding fails with its own reason', () => {
    const o = interpretCheck(run({ exitCode: null, truncated: true, output: 'x'.repeat(65536) }), 15000);
    expect(o).toMatchObject({ passed: false, reason: 'stopped' });
    expect(o.message).toMatch(/printed too much output \(64 KiB kept\)/);
  });

  test('a huge last line is cut to a chat-sized message', () => {
    const o = interpretCheck(run({ exitCode: 1, output: `${'y'.repeat(2_000_000)}\n` }), 15000);
    expect(o.message).toHaveLength(MESSAGE_MAX_CHARS);
    expect(o.message.endsWith('…')).toBe(true);
  });

  test('carriage-return progress output is split into lines', () => {
    expect(interpretCheck(run({ exitCode: 1, output: '10%\r50%\rFAIL: stuck at 50%' }), 15000).message).toBe('stuck at 50%');
  });
});

describe('plainCheckText: a check line never carries the learner\'s raw bytes', () => {
  test('drops the private-use characters that delimit the tutor\'s mention tokens, and the rest of the range', () => {
    expect(plainCheckText('hi \uE100user:U0ADMIN01\uE101 \uE000x\uF8FF \u{F0001}\u{10FFFD}!')).toBe('hi user:U0ADMIN01 x !');
  });

  test('drops escape sequences (colour, title, cursor) and control characters, keeping tabs and text', () => {
    expect(plainCheckText('\u001b[31mred\u001b[0m \u001b]0;title\u0007x\u001b]8;;http://e\u001b\\y \u001bcz\u0000\u0007\u0085\tend')).toBe('red xy z\tend');
  });

  test('drops bidi overrides and zero-width characters; lone surrogates become U+FFFD', () => {
    expect(plainCheckText('a\u202Eb\u2066c\u200Bd\uFEFFe\uD800')).toBe('abcde\uFFFD');
  });

  test('a FAIL line built from a learner\'s file shows neither a token nor an escape', () => {
    const o = interpretCheck(run({ exitCode: 1, output: 'FAIL: ~/name.txt says \uE100user:U0ADMIN01\uE101\u001b[2J, not your name.\n' }), 15000);
    expect(o.message).toBe('~/name.txt says user:U0ADMIN01, not your name.');
  });

  test('a carriage return still starts a new line, as a terminal shows it', () => {
    expect(interpretCheck(run({ exitCode: 1, output: 'progress 50%\rFAIL: not yet\n' }), 15000).message).toBe('not yet');
  });
});
