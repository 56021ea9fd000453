import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { AppError } from '../../errors';
import type { PrismaInstallationStore, WorkspaceInstall } from '../../store';

/**
 * Bolt's InstallationStore over the Prisma one (tokens sealed at rest). Workspace installs only: an
 * Enterprise Grid org-wide install is refused (the bot keys everything by workspace). Decrypted tokens
 * are kept in memory so each Web API call does not reach the database.
 */
export class BoltInstallationStore implements InstallationStore {
  private readonly tokens = new Map<string, string>();

  constructor(private readonly store: PrismaInstallationStore) {}

  async storeInstallation(i: Installation): Promise<void> {
    if (i.isEnterpriseInstall || !i.team?.id) throw new AppError('SLACK_NOT_INSTALLED', 'Org-wide (Enterprise Grid) installs are not supported: install Dockhand in each workspace');
    if (!i.bot?.token || !i.bot.userId) throw new AppError('SLACK_NOT_INSTALLED', 'The install gave no bot token (the app needs bot scopes)');
    const install: WorkspaceInstall = {
      teamId: i.team.id,
      teamName: i.team.name,
      enterpriseId: i.enterprise?.id,
      appId: i.appId,
      botUserId: i.bot.userId,
      botId: i.bot.id,
      botScopes: i.bot.scopes ?? [],
      botToken: i.bot.token,
      installerUserId: i.user?.id,
    };
    await this.store.save(install);
    this.tokens.set(install.teamId, install.botToken);
  }

  async fetchInstallation(q: InstallationQuery<boolean>): Promise<Installation<'v2', false>> {
    const i = q.teamId ? await this.store.find(q.teamId) : undefined;
    if (!i) throw new AppError('SLACK_NOT_INSTALLED', `No installation for workspace ${q.teamId ?? '(none)'}`);
    this.tokens.set(i.teamId, i.botToken);
    return {
      team: { id: i.teamId, name: i.teamName },
      enterprise: i.enterpriseId ? { id: i.enterpriseId } : undefined,
      user: { id: i.installerUserId ?? '', token: undefined, scopes: undefined },
      bot: { token: i.botToken, userId: i.botUserId, id: i.botId ?? '', scopes: i.botScopes },
      appId: i.appId,
      isEnterpriseInstall: false,
      authVersion: 'v2',
    };
  }

  async deleteInstallation(q: InstallationQuery<boolean>): Promise<void> {
    if (q.teamId) await this.remove(q.teamId);
  }

  /** Forgets the workspace's token (memory and database); true when it was installed. */
  async remove(teamId: string): Promise<boolean> {
    this.tokens.delete(teamId);
    return this.store.remove(teamId);
  }

  /** The workspace's bot token, for clients without one (bindWorkspaceTokens). */
  async tokenFor(teamId: string): Promise<string | undefined> {
    const cached = this.tokens.get(teamId);
    if (cached) return cached;
    const i = await this.store.find(teamId);
    if (i) this.tokens.set(teamId, i.botToken);
    return i?.botToken;
  }

  teamIds(): Promise<string[]> {
    return this.store.teamIds();
  }
}
