import type { Db } from './prisma-client';
import type { TokenCipher } from '../token-cipher';

/** One workspace's install, as the bot uses it (the token in clear, only in memory). */
export interface WorkspaceInstall {
  teamId: string;
  teamName?: string;
  enterpriseId?: string;
  appId?: string;
  botUserId: string;
  botId?: string;
  botScopes: string[];
  botToken: string;
  installerUserId?: string;
}

/** Installations in Postgres, the bot token sealed with the TokenCipher before it is written. */
export class PrismaInstallationStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: TokenCipher,
  ) {}

  async save(i: WorkspaceInstall): Promise<void> {
    const data = {
      teamName: i.teamName ?? null,
      enterpriseId: i.enterpriseId ?? null,
      appId: i.appId ?? null,
      botUserId: i.botUserId,
      botId: i.botId ?? null,
      botScopes: i.botScopes.join(','),
      botTokenSealed: this.cipher.encrypt(i.botToken),
      installerUserId: i.installerUserId ?? null,
    };
    // A reinstall (new scopes, new token) replaces the row.
    await this.db.installation.upsert({ where: { teamId: i.teamId }, create: { teamId: i.teamId, ...data }, update: data });
  }

  async find(teamId: string): Promise<WorkspaceInstall | undefined> {
    const r = await this.db.installation.findUnique({ where: { teamId } });
    if (!r) return undefined;
    return {
      teamId: r.teamId,
      teamName: r.teamName ?? undefined,
      enterpriseId: r.enterpriseId ?? undefined,
      appId: r.appId ?? undefined,
      botUserId: r.botUserId,
      botId: r.botId ?? undefined,
      botScopes: r.botScopes ? r.botScopes.split(',') : [],
      botToken: this.cipher.decrypt(r.botTokenSealed),
      installerUserId: r.installerUserId ?? undefined,
    };
  }

  /** True when a row was removed. */
  async remove(teamId: string): Promise<boolean> {
    const { count } = await this.db.installation.deleteMany({ where: { teamId } });
    return count > 0;
  }

  async teamIds(): Promise<string[]> {
    return (await this.db.installation.findMany({ select: { teamId: true }, orderBy: { installedAt: 'asc' } })).map((r) => r.teamId);
  }
}
