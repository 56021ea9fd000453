import { LessonCatalog } from '../../../src/lessons/lesson-catalog';
import { Tutor } from '../../../src/tutor/tutor';
import { captureLogs } from '../../support/capture-logs';
import { FakeSandbox } from '../../support/fakes/fake-sandbox';
import { makeLesson } from '../../support/fakes/lessons';
import { createMemoryStores } from '../../support/fakes/memory-stores';
import { RecordingPort } from '../../support/fakes/recording-port';

describe('Tutor.admitCommand: the terminal and chat share one command budget', () => {
  function setup() {
    let now = Date.UTC(2026, 0, 5, 9);
    const stores = createMemoryStores({ now: () => now });
    const sandbox = new FakeSandbox();
    const catalog = new LessonCatalog([makeLesson('basics', { steps: 2 })]);
    const tutor = new Tutor({ learners: stores.learners, store: stores.tutor, catalog, sandboxes: sandbox, log: captureLogs().log, limits: { commandsPerMinute: 3, actionsPerMinute: 100, now: () => now } });
    return { tutor, stores, sandbox, advance: (ms: number) => (now += ms) };
  }
  const a = { teamId: 'T1', userId: 'UA', dmChannel: 'DA' };

  it('commands typed in the terminal use up chat commands, and the reverse', async () => {
    const t = setup();
    const port = new RecordingPort('DA');
    await t.stores.learners.ensureLearner('T1', 'UA');
    expect(t.tutor.admitCommand(a)).toBeUndefined();
    expect(t.tutor.admitCommand(a)).toBeUndefined();
    await t.tutor.onMessage(a, '$ echo chat', port);
    expect(t.sandbox.callsOf('run')).toHaveLength(1);
    // the budget is spent: the terminal is refused, with the shared wording and what to do
    expect(t.tutor.admitCommand(a)).toMatch(/^Slow down: you are sending commands faster than 3 a minute.*Your line is still there: press Enter again then\.$/);
    // and so is chat
    await t.tutor.onMessage(a, '$ echo again', port);
    expect(t.sandbox.callsOf('run')).toHaveLength(1);
    // another learner is untouched
    expect(t.tutor.admitCommand({ teamId: 'T1', userId: 'UB' })).toBeUndefined();
    t.advance(60_000);
    expect(t.tutor.admitCommand(a)).toBeUndefined();
  });
});
