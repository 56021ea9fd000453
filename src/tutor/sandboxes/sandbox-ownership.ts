import type { TutorStore } from '../../store';
import { parseLearnerKey } from '../learner-key';

/**
 * Start-up adoption's question, answered from what is durable before the learner sees any output: the learner
 * key the bot put on the container at creation (labels, or a warm sandbox's claimed name: the learner cannot
 * change either) plus the learner in the store. The sandbox's own row is written fire-and-forget on its
 * `created` event; a bot stopped before that write lands must not remove the learner's files, so a missing row
 * keeps the container and only a row saying removed/crashed (or another learner's) removes it.
 */
export function sandboxOwnership(store: Pick<TutorStore, 'ownsSandbox'>): (learnerKey: string, containerId: string) => Promise<boolean> {
  return async (learnerKey, containerId) => {
    const learner = parseLearnerKey(learnerKey);
    return learner ? store.ownsSandbox(learner.teamId, learner.userId, containerId) : false;
  };
}
