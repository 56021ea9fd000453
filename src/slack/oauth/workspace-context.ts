import { AsyncLocalStorage } from 'node:async_hooks';
import type { webApi } from '@slack/bolt';
import { AppError } from '../../errors';

type MakeRequest = (url: string, body: Record<string, unknown>, headers?: Record<string, string>) => Promise<unknown>;
const BOUND = Symbol('dockhand.workspaceTokens');

/**
 * Which workspace the current work is for (multi-workspace mode). Every Slack request runs inside
 * `run(teamId)` (a middleware), and so does work the bot starts by itself for one workspace (sandbox
 * notices, restored challenges): Node carries the value through awaits and timers, so the shared
 * ports (conversations, channels, live messages) need no team argument.
 */
export class WorkspaceContext {
  private readonly als = new AsyncLocalStorage<string>();

  run<T>(teamId: string, fn: () => T): T {
    return this.als.run(teamId, fn);
  }

  get current(): string | undefined {
    return this.als.getStore();
  }
}

/**
 * Gives a token-less WebClient the current workspace's bot token on each request. A client built with a
 * token (single-workspace mode, Bolt's per-request clients) is left alone. Wraps makeRequest, like the
 * rate-limit gate: the method functions are bound to apiCall at construction.
 */
export function bindWorkspaceTokens(client: webApi.WebClient, ctx: WorkspaceContext, tokenFor: (teamId: string) => Promise<string | undefined>): void {
  const c = client as unknown as { [BOUND]?: boolean; token?: string; makeRequest: MakeRequest };
  if (c[BOUND] || c.token) return;
  const original = c.makeRequest.bind(c);
  c.makeRequest = async (url, body, headers = {}) => {
    if (headers.Authorization) return original(url, body, headers);
    const teamId = ctx.current;
    const method = url.replace(/^.*\//, '');
    if (!teamId) throw new AppError('SLACK_NO_WORKSPACE', `Slack call ${method} made outside any workspace's work (multi-workspace mode needs one)`);
    const token = await tokenFor(teamId);
    if (!token) throw new AppError('SLACK_NOT_INSTALLED', `Slack call ${method} for workspace ${teamId}, which has no installation (uninstalled?)`);
    return original(url, body, { ...headers, Authorization: `Bearer ${token}` });
  };
  c[BOUND] = true;
}
