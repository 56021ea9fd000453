import { CommandEndScanner } from '../../src/playground/command-end-scanner';
import { COMMAND_END_MARK } from '../../src/sandbox/shell/terminal-shell';

describe('the terminal command-end cue', () => {
  it('is removed and counted, also when split across chunks', () => {
    const s = new CommandEndScanner(COMMAND_END_MARK);
    expect(s.push(`hi\r\n${COMMAND_END_MARK}$ `)).toEqual({ text: 'hi\r\n$ ', ends: 1 });
    const half = COMMAND_END_MARK.length >> 1;
    expect(s.push(`out${COMMAND_END_MARK.slice(0, half)}`)).toEqual({ text: 'out', ends: 0 });
    expect(s.push(`${COMMAND_END_MARK.slice(half)}$ `)).toEqual({ text: '$ ', ends: 1 });
    expect(s.push('\x1b]0;title\x07plain')).toEqual({ text: '\x1b]0;title\x07plain', ends: 0 });
    expect(s.push(`${COMMAND_END_MARK}${COMMAND_END_MARK}`)).toEqual({ text: '', ends: 2 });
  });
});
