import { interpretCheck, MESSAGE_MAX_CHARS } from '../../src/lessons/check-outcome';
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
