import { createMemoryStores } from '../support/fakes/memory-stores';
import { MemoryClassStore } from '../support/fakes/memory-class-store';
import { VirtualClock } from '../support/fakes/virtual-clock';
import { describeClassStoreContract } from './class-store-contract';

describeClassStoreContract('in memory (virtual clock)', () => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0));
  const stores = createMemoryStores({ now: clock.now });
  return { learners: stores.learners, tutor: stores.tutor, class: new MemoryClassStore(stores.db), now: clock.date, passTime: async (ms: number) => clock.setTime(clock.now() + ms) };
});
