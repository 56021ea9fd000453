import { MAX_MESSAGE_CHARS } from '../../../src/tutor/turns/clean-text';
import { isEscape, parseIntent, readMessage } from '../../../src/tutor/turns/intent';

describe('parseIntent', () => {
  it.each([
    ['$ docker ps', 'docker ps'],
    ['`docker ps -a`', 'docker ps -a'],
    ['```\ndocker build -t app .\n```', 'docker build -t app .'],
    ['```bash\n$ docker images\n```', 'docker images'],
  ])('reads %j as the shell command %j', (text, command) => {
    expect(parseIntent(text)).toEqual({ kind: 'command', command });
  });

  it('never runs plain words: `docker ps` without $ is not a command', () => {
    expect(parseIntent('docker ps').kind).toBe('unknown');
  });

  it.each([
    ['help', 'help', ''],
    ['HELP', 'help', ''],
    ['Next!', 'next', ''],
    ['start running-containers', 'start', 'running-containers'],
    ['start 2', 'start', '2'],
    ['lesons', 'lessons', ''],
    ['strat 1', 'start', '1'],
    ['progres', 'progress', ''],
    ['chek', 'check', ''],
    ['status', 'progress', ''],
  ])('understands %j as the word %s', (text, word, arg) => {
    expect(parseIntent(text)).toMatchObject({ kind: 'word', word, arg });
  });

  it('suggests the closest word for anything else', () => {
    expect(parseIntent('hnit')).toEqual({ kind: 'unknown', text: 'hnit', suggestion: 'hint' });
    expect(parseIntent('what is a container image anyway')).toMatchObject({ kind: 'unknown' });
    expect(parseIntent('   ')).toEqual({ kind: 'empty' });
  });
});

describe('readMessage', () => {
  it('cleans and parses a message once, keeping its length', () => {
    expect(readMessage('$ echo hi\r\n')).toEqual({ length: 11, tooLong: false, text: '$ echo hi\n', intent: { kind: 'command', command: 'echo hi' } });
  });

  it('reads no further than the tutor reads in a message that is too long', () => {
    const m = readMessage(`$ ${'x'.repeat(MAX_MESSAGE_CHARS * 2)}`);
    expect([m.tooLong, m.length, m.text.length]).toEqual([true, MAX_MESSAGE_CHARS * 2 + 2, MAX_MESSAGE_CHARS + 1]);
  });
});

describe('isEscape', () => {
  it('is `reset` or `stop` exactly: no argument, no typo corrected', () => {
    expect(['reset', 'stop', 'Stop.', 'quit'].map((t) => isEscape(parseIntent(t)))).toEqual([true, true, true, true]);
    expect(['reset now', 'stpo', '$ stop', 'hint'].map((t) => isEscape(parseIntent(t)))).toEqual([false, false, false, false]);
  });
});
