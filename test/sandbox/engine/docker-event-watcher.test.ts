import { DeathEventParser } from '../../../src/sandbox/engine/docker-event-watcher';

const ev = (action: string, id: string, exitCode?: string) => JSON.stringify({ Action: action, id, Actor: { Attributes: exitCode === undefined ? {} : { exitCode } } }) + '\n';

describe('docker event line parser', () => {
  it('reports a die as a crash with its exit code', () => {
    expect(new DeathEventParser().push(ev('die', 'c1', '137'))).toEqual([{ containerId: 'c1', kind: 'crash', detail: 'exit code 137' }]);
  });

  it('reports a die after an oom of the same container as oom, once', () => {
    const p = new DeathEventParser();
    expect(p.push(ev('oom', 'c1'))).toEqual([]);
    expect(p.push(ev('die', 'c2', '1') + ev('die', 'c1', '137'))).toEqual([
      { containerId: 'c2', kind: 'crash', detail: 'exit code 1' },
      { containerId: 'c1', kind: 'oom', detail: 'exit code 137' },
    ]);
    // the oom was consumed by its die
    expect(p.push(ev('die', 'c1', '0'))).toEqual([{ containerId: 'c1', kind: 'crash', detail: 'exit code 0' }]);
  });

  it('joins a line split across chunks, anywhere', () => {
    const line = ev('die', 'abc', '2');
    for (let cut = 1; cut < line.length; cut++) {
      const p = new DeathEventParser();
      expect(p.push(line.slice(0, cut))).toEqual([]);
      expect(p.push(line.slice(cut))).toEqual([{ containerId: 'abc', kind: 'crash', detail: 'exit code 2' }]);
    }
  });

  it('skips garbage and non-death lines and keeps going', () => {
    const p = new DeathEventParser();
    const chunk = 'not json\n{"Action":\n' + 'null\n' + '{"Action":"die"}\n' + ev('start', 'c1') + ev('die', 'c1', '3');
    expect(p.push(chunk)).toEqual([{ containerId: 'c1', kind: 'crash', detail: 'exit code 3' }]);
  });

  it('says "?" when the engine gave no exit code', () => {
    expect(new DeathEventParser().push(ev('die', 'c1'))).toEqual([{ containerId: 'c1', kind: 'crash', detail: 'exit code ?' }]);
  });
});
