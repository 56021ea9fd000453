import type { webApi } from '@slack/bolt';
import { systemClock, type Clock } from '../../kit';
import type { Logger } from '../../logger';
import type { AdminGroupDirectory, AdminGroupMembers } from '../../tutor';

/** How long a group's members (or the reason they cannot be read) are kept before Slack is asked again. */
export const ADMIN_GROUP_TTL_MS = 60_000;

/** A user group id as Slack shows it (`S0123ABCD`); anything else is a handle (`@docker-admins` or `docker-admins`). */
const GROUP_ID = /^S[A-Z0-9]{2,}$/;

/** Slack's error codes, in words an operator can act on. */
const PROBLEMS: Record<string, string> = {
  missing_scope: 'the bot lacks the `usergroups:read` scope (add it to the app and reinstall)',
  no_such_subteam: 'no such user group in this workspace',
  not_found: 'no such user group in this workspace',
  subteam_not_found: 'no such user group in this workspace',
};

/**
 * ADMIN_USERGROUP read from Slack: `usergroups.users.list` (a handle is first resolved with `usergroups.list`),
 * per workspace, kept for a TTL on the injected clock. A group that cannot be read is logged once per workspace
 * and reason, and answered as a problem (the admin list still works).
 */
export class SlackAdminGroup implements AdminGroupDirectory {
  private readonly cache = new Map<string, { at: number; answer: AdminGroupMembers }>();
  private readonly logged = new Set<string>();

  constructor(
    private readonly deps: {
      client: webApi.WebClient;
      /** ADMIN_USERGROUP: an id (S0123ABCD) or a handle (docker-admins, with or without `@`). */
      group: string;
      log: Logger;
      clock?: Pick<Clock, 'now'>;
      ttlMs?: number;
    },
  ) {}

  async members(teamId: string): Promise<AdminGroupMembers> {
    const now = (this.deps.clock ?? systemClock).now();
    const hit = this.cache.get(teamId);
    if (hit && now - hit.at < (this.deps.ttlMs ?? ADMIN_GROUP_TTL_MS)) return hit.answer;
    const answer = await this.read();
    this.cache.set(teamId, { at: now, answer });
    if (!answer.ok) this.logOnce(teamId, answer);
    return answer;
  }

  private async read(): Promise<AdminGroupMembers> {
    const shown = this.deps.group;
    try {
      const id = await this.idOf(shown);
      if (!id) return { ok: false, group: shown, problem: PROBLEMS.no_such_subteam! };
      const res = await this.deps.client.usergroups.users.list({ usergroup: id });
      return { ok: true, userIds: new Set(res.users ?? []) };
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      return { ok: false, group: shown, problem: (code && PROBLEMS[code]) ?? `Slack answered ${code ?? 'with an error'}` };
    }
  }

  private async idOf(group: string): Promise<string | undefined> {
    if (GROUP_ID.test(group)) return group;
    const handle = group.replace(/^@/, '').toLowerCase();
    const res = await this.deps.client.usergroups.list({ include_disabled: false });
    return res.usergroups?.find((g) => g.handle?.toLowerCase() === handle)?.id;
  }

  private logOnce(teamId: string, answer: Extract<AdminGroupMembers, { ok: false }>): void {
    const key = `${teamId}\n${answer.problem}`;
    if (this.logged.has(key)) return;
    this.logged.add(key);
    this.deps.log.warn({ teamId, group: answer.group, problem: answer.problem }, 'ADMIN_USERGROUP cannot be read; only ADMIN_USER_IDS count as admins');
  }
}
