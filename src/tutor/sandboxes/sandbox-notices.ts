import type { Logger } from '../../logger';
import { diskSizeText, ENGINE_LOST_DETAIL, STOPPED_AWAY_DETAIL, type SandboxEvent } from '../../sandbox';
import type { SandboxRowState, TutorStore } from '../../store';
import { parseLearnerKey } from '../learner-key';
import type { ConversationPort } from '../reply';

/** The row state each sandbox event leaves behind; events not listed change nothing in the store. */
const SANDBOX_STATES: Partial<Record<SandboxEvent['type'], SandboxRowState>> = {
  created: 'ready',
  adopted: 'ready',
  removed: 'removed',
  reaped: 'removed',
  expired: 'removed',
  crashed: 'crashed',
  'oom-killed': 'crashed',
};

/** The limits a notice names, so the learner reads the numbers the operator configured. */
export interface NoticeLimits {
  memoryMb: number;
  diskMb?: number;
}

export interface SandboxNoticeDeps {
  store: Pick<TutorStore, 'recordSandbox' | 'dmChannelOf'>;
  /** The conversation in a channel (the learner's DM, as the store remembers it). */
  conversationIn(channel: string): Pick<ConversationPort, 'say'>;
  /** Runs work the bot starts by itself (not a Slack request) as that workspace's, so it has its token. */
  asWorkspace(teamId: string, fn: () => Promise<void>): Promise<void>;
  limits: NoticeLimits;
  log: Logger;
}

/** What the learner is told about a sandbox event, in plain words; undefined when it is not theirs to know. */
export function sandboxNotice(e: SandboxEvent, limits: NoticeLimits): string | undefined {
  switch (e.type) {
    case 'queued':
      if (e.workspaceLimit) return `Your workspace is using all ${e.workspaceLimit} sandboxes it may have at once, so you are waiting for one of them to be free (number ${e.position} in line). Your command will run as soon as one is free.`;
      return `All sandboxes are busy right now: you are number ${e.position} in line. Your command will run as soon as one is free.`;
    case 'crashed':
      // the engine restarted under it: nothing the learner did, and the files went with the sandbox
      if (e.detail === ENGINE_LOST_DETAIL) return 'Your sandbox was lost when the Docker engine restarted; your progress is kept, files in it are gone. Your next command gets a fresh one.';
      if (e.detail === STOPPED_AWAY_DETAIL) return 'Your sandbox stopped while Dockhand was away (for example when the Docker engine or the server restarted); your progress is kept, files in it are gone. Your next command gets a fresh one.';
      return 'Your sandbox stopped unexpectedly. Your next command gets a fresh one; your lesson progress is kept.';
    case 'oom-killed':
      return `Your sandbox ran out of memory (limit ${limits.memoryMb} MiB) and was stopped. Your next command gets a fresh one; your lesson progress is kept.`;
    case 'disk-full': {
      const size = limits.diskMb ? ` (${diskSizeText(limits.diskMb)})` : '';
      return `Your sandbox's disk is full${size}: \`reset\` or remove images (\`$ docker system prune -af\`).`;
    }
    default:
      return undefined;
  }
}

/**
 * A listener for the sandbox contract's events: the sandbox reports, this records the sandbox's state for
 * the learner and tells them in their DM. Keys that are not a learner's (lesson tests) are left alone.
 */
export function sandboxNotices(deps: SandboxNoticeDeps): (e: SandboxEvent) => void {
  const { store, log } = deps;
  return (e) => {
    const learner = parseLearnerKey(e.learnerKey);
    if (!learner) return;
    const { teamId, userId } = learner;
    const state = SANDBOX_STATES[e.type];
    if (state && 'containerId' in e) void store.recordSandbox(teamId, userId, e.containerId, state).catch((err: unknown) => log.warn({ err }, 'could not record sandbox state'));
    const text = sandboxNotice(e, deps.limits);
    if (!text) return;
    void deps
      .asWorkspace(teamId, async () => {
        const channel = await store.dmChannelOf(teamId, userId);
        if (channel) await deps.conversationIn(channel).say({ text });
      })
      .catch((err: unknown) => log.warn({ err }, 'could not tell a learner about their sandbox'));
  };
}
