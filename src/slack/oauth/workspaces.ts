import type { OAuthConfig } from '../../config';
import type { Db } from '../../store';
import { PrismaInstallationStore } from '../../store';
import { TokenCipher } from '../../store';
import { BoltInstallationStore } from './bolt-installation-store';
import { WorkspaceContext } from './workspace-context';

/** The workspaces the bot serves: one (SLACK_BOT_TOKEN) or every install (OAuth). */
export interface Workspaces {
  /** Multi-workspace mode only: what createSlackApp needs for installs and per-workspace tokens. */
  slack?: { installs: BoltInstallationStore; context: WorkspaceContext };
  teamIds(): Promise<string[]>;
  /** Runs work the bot starts by itself (not a Slack request) as that workspace's. */
  run<T>(teamId: string, fn: () => Promise<T>): Promise<T>;
}

export function singleWorkspace(teamId: string): Workspaces {
  return { teamIds: async () => [teamId], run: (_teamId, fn) => fn() };
}

export function multiWorkspace(db: Db, oauth: OAuthConfig): Workspaces {
  const installs = new BoltInstallationStore(new PrismaInstallationStore(db, new TokenCipher(oauth.tokenKey)));
  const context = new WorkspaceContext();
  return { slack: { installs, context }, teamIds: () => installs.teamIds(), run: (teamId, fn) => context.run(teamId, fn) };
}
