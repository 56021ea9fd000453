import { learnerKeyOf, parseLearnerKey } from '../../src/tutor/learner-key';
import { TutorEvents } from '../../src/tutor/tutor-events';

describe('LearnerKey', () => {
  it('round-trips a workspace and a user', () => {
    const key = learnerKeyOf({ teamId: 'T123', userId: 'U456' });
    expect(key).toBe('T123:U456');
    expect(parseLearnerKey(key)).toEqual({ teamId: 'T123', userId: 'U456' });
  });

  it('rejects keys that are not a learner of a workspace', () => {
    for (const key of ['', 'T1', ':U1', 'T1:', 'lesson-test:name:abc123']) expect(parseLearnerKey(key)).toBeUndefined();
  });
});

describe('TutorEvents', () => {
  it('delivers progress events to subscribers until they unsubscribe; a throwing listener is reported, not thrown', () => {
    const errors: unknown[] = [];
    const events = new TutorEvents((err) => errors.push(err));
    const seen: string[] = [];
    events.on('progress', () => {
      throw new Error('listener broke');
    });
    const off = events.on('progress', (e) => seen.push(`${e.teamId}/${e.userId}`));
    const payload = { key: learnerKeyOf({ teamId: 'T1', userId: 'U1' }), teamId: 'T1', userId: 'U1' };
    events.emit('progress', payload);
    off();
    events.emit('progress', payload);
    expect(seen).toEqual(['T1/U1']);
    expect(errors).toHaveLength(2);
  });
});
