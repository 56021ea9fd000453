import { parseIntent } from '../../src/tutor/intent';

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
