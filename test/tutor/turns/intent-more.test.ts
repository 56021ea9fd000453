import { parseIntent, WORDS } from '../../../src/tutor/turns/intent';

describe('parseIntent beyond the basics', () => {
  it.each([
    ['menu', 'help'],
    ['?', 'help'],
    ['list', 'lessons'],
    ['course', 'lessons'],
    ['continue', 'start'],
    ['resume 3', 'start'],
    ['answer', 'solution'],
    ['pause', 'stop'],
    ['quit', 'stop'],
  ])('takes the alias %j for %s', (text, word) => {
    expect(parseIntent(text)).toMatchObject({ kind: 'word', word });
  });

  it('keeps the argument after a word, with its case and inner spaces', () => {
    expect(parseIntent('  start   Ports And Volumes ')).toEqual({ kind: 'word', word: 'start', arg: 'Ports And Volumes' });
  });

  it('says which typo it corrected', () => {
    expect(parseIntent('hnt')).toEqual({ kind: 'word', word: 'hint', arg: '', corrected: 'hnt' });
    // A swap of two letters is two edits: too many for a four-letter word, so only suggested.
    expect(parseIntent('hitn')).toEqual({ kind: 'unknown', text: 'hitn', suggestion: 'hint' });
    expect(parseIntent('solutoin')).toMatchObject({ kind: 'word', word: 'solution', corrected: 'solutoin' });
  });

  it('does not "correct" a long sentence that starts with a near-word', () => {
    expect(parseIntent('chek this out my friend please')).toMatchObject({ kind: 'unknown', suggestion: 'check' });
  });

  it('does not correct a one- or two-letter message into a word', () => {
    expect(parseIntent('hi').kind).toBe('unknown');
    expect(parseIntent('x')).toEqual({ kind: 'unknown', text: 'x', suggestion: undefined });
  });

  it('reads multi-line code blocks as one command, and keeps $ inside a command', () => {
    expect(parseIntent('```\nFROM nginx\nCOPY . /usr/share/nginx/html\n```')).toEqual({ kind: 'command', command: 'FROM nginx\nCOPY . /usr/share/nginx/html' });
    expect(parseIntent('$ echo $HOME')).toEqual({ kind: 'command', command: 'echo $HOME' });
    expect(parseIntent('`$ docker ps`')).toEqual({ kind: 'command', command: 'docker ps' });
  });

  it('needs a space after $ and something in a code block', () => {
    expect(parseIntent('$docker ps').kind).not.toBe('command');
    expect(parseIntent('```\n\n```').kind).not.toBe('command');
  });

  it('recognises every documented word exactly', () => {
    for (const w of WORDS) expect(parseIntent(w)).toEqual({ kind: 'word', word: w, arg: '' });
  });
});
