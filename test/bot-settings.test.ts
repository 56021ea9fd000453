import { botSettings } from '../src/bot-settings';
import { readConfig } from '../src/config';

describe('botSettings: what the assembly reads, derived from the configuration in one place', () => {
  it('gives other requests twice the commands per minute, and names the configured sandbox limits', () => {
    const s = botSettings(readConfig({ COMMANDS_PER_MINUTE: '12', SANDBOX_MEMORY_MB: '768', SANDBOX_DISK_MB: '3072', ADMIN_USER_IDS: 'U012ABCDEF,U012GHIJKL' }));
    expect(s.limits).toEqual({ commandsPerMinute: 12, actionsPerMinute: 24, newSandboxesPerTenMinutes: 6 });
    expect(botSettings(readConfig({ SANDBOX_NEW_PER_LEARNER_10MIN: '3' })).limits?.newSandboxesPerTenMinutes).toBe(3);
    expect(s.notices).toEqual({ memoryMb: 768, diskMb: 3072 });
    expect(s.challenges.adminUserIds).toEqual(['U012ABCDEF', 'U012GHIJKL']);
  });
});
