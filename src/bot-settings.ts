import type { Config } from './config';
import type { NoticeLimits, TurnLimits } from './tutor';

/**
 * What the assembly reads, derived from the validated configuration in this one place (start-bot and the
 * in-process test bot both take it from here, so a derived number cannot drift between them).
 */
export interface BotSettings {
  /** The whole configuration, for the Slack listeners (they read it as createSlackApp does). */
  config: Config;
  /** Per-learner request limits; left out, nothing is limited in the tutor (tests of other things). */
  limits?: TurnLimits;
  /** The numbers sandbox notices name (memory limit, disk size). */
  notices: NoticeLimits;
  challenges: { adminUserIds: readonly string[]; hintPenaltySeconds: number; minSolveSeconds: number; warmSandboxes: number };
  /** For the metrics' capacity gauges. */
  sandboxLimits: { maxSandboxes: number; warmPool: number };
}

export function botSettings(config: Config): BotSettings {
  const { sandbox } = config;
  return {
    config,
    // COMMANDS_PER_MINUTE is the one knob: other requests (check, hint, buttons) get twice that (docs/operating.md).
    limits: { commandsPerMinute: sandbox.commandsPerMinute, actionsPerMinute: 2 * sandbox.commandsPerMinute, newSandboxesPerTenMinutes: sandbox.newPerLearnerPerTenMinutes },
    // Getters: with SANDBOX_DISK_MB=auto the cap and the count are settled when the sandboxes start (size-disks.ts).
    notices: {
      memoryMb: sandbox.memoryMb,
      get diskMb() {
        return sandbox.diskMb;
      },
    },
    challenges: { adminUserIds: config.adminUserIds, hintPenaltySeconds: config.challengeHintPenaltySeconds, minSolveSeconds: config.challengeMinSolveSeconds, warmSandboxes: config.challengeWarmSandboxes },
    sandboxLimits: {
      get maxSandboxes() {
        return sandbox.maxSandboxes;
      },
      get warmPool() {
        return sandbox.warmPool;
      },
    },
  };
}
