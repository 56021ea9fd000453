import { describeChallengeStoreContract } from './challenge-store-contract';
import { describeStoreContract } from './store-contract';
import { createMemoryStores } from '../support/fakes/memory-stores';
import { VirtualClock } from '../support/fakes/virtual-clock';

// The in-memory stores the unit tests wire the tutor with must behave as the Prisma ones do; their clock
// is a virtual one, so deadlines are crossed without waiting.
const memorySubject = () => {
  const clock = new VirtualClock();
  const stores = createMemoryStores({ now: clock.now });
  return {
    ...stores,
    now: clock.date,
    passTime: async (ms: number) => clock.setTime(clock.now() + ms),
  };
};
describeStoreContract('in memory (virtual clock)', memorySubject);
describeChallengeStoreContract('in memory (virtual clock)', memorySubject);

describe('in-memory stores beyond the contract', () => {
  it('share learners: a learner created through one store is the one the others refer to', async () => {
    const clock = new VirtualClock();
    const { learners, tutor, challenges } = createMemoryStores({ now: clock.now });
    const { learner } = await learners.ensureLearner('T1', 'U1', 'Ada');
    await tutor.setDmChannel(learner.id, 'D1');
    expect(await tutor.dmChannelOf('T1', 'U1')).toBe('D1');
    const c = await challenges.create({ teamId: 'T1', channelId: 'C1', exerciseId: 'x', createdBy: 'U0', durationMs: 60_000, hintPenaltySeconds: 0 });
    expect(await challenges.accept(c.id, learner.id)).toMatchObject({ kind: 'accepted', entry: { teamId: 'T1', userId: 'U1' } });
  });

  it('refuse rows that point at an unknown learner, as foreign keys do', async () => {
    const { tutor, challenges } = createMemoryStores();
    await expect(tutor.setDmChannel('nobody', 'D1')).rejects.toThrow(/no learner/);
    await expect(tutor.startLesson('nobody', 'l', 's')).rejects.toThrow(/no learner/);
    await expect(tutor.startCommand({ learnerId: 'nobody', command: 'ls' })).rejects.toThrow(/no learner/);
    const c = await challenges.create({ teamId: 'T1', channelId: 'C1', exerciseId: 'x', createdBy: 'U0', durationMs: 60_000, hintPenaltySeconds: 0 });
    await expect(challenges.accept(c.id, 'nobody')).rejects.toThrow(/no learner/);
  });

  it('hand out copies: changing a returned record does not change what is stored', async () => {
    const { learners, challenges } = createMemoryStores();
    const { learner } = await learners.ensureLearner('T1', 'U1', 'Ada');
    learner.displayName = 'changed';
    expect((await learners.find('T1', 'U1'))!.displayName).toBe('Ada');
    const c = await challenges.create({ teamId: 'T1', channelId: 'C1', exerciseId: 'x', createdBy: 'U0', durationMs: 60_000, hintPenaltySeconds: 0 });
    c.endsAt.setTime(0);
    expect((await challenges.get(c.id))!.endsAt.getTime()).toBeGreaterThan(0);
  });
});
