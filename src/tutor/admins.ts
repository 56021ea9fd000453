/**
 * Whether a user is a Dockhand admin of their workspace. ADMIN_USER_IDS holds `TEAM:USER` entries (an
 * admin of that workspace only) and, in single-workspace mode, plain user ids. A user id is unique only
 * within its workspace, so a plain id never counts in another team when entries are team-qualified.
 */
export function isAdminOf(adminUserIds: readonly string[], teamId: string, userId: string): boolean {
  return adminUserIds.includes(`${teamId}:${userId}`) || adminUserIds.includes(userId);
}

/** A workspace's admin user group as the chat platform answers: its members, or why they cannot be read. */
export type AdminGroupMembers = { ok: true; userIds: ReadonlySet<string> } | { ok: false; group: string; problem: string };

/** The port to the admin user group (ADMIN_USERGROUP); the Slack adapter reads usergroups.users.list. */
export interface AdminGroupDirectory {
  members(teamId: string): Promise<AdminGroupMembers>;
}

export interface AdminCheck {
  admin: boolean;
  /** Why the group could not be consulted, for a refused caller: one plain line naming the group. */
  note?: string;
}

/**
 * Who is an admin: the ADMIN_USER_IDS list, then the admin user group when one is configured. A group that
 * cannot be read (unknown, or the bot lacks `usergroups:read`) never stops the list from working; a caller
 * refused while it cannot be read is told why, so an admin by group knows it is not them.
 */
export class AdminDirectory {
  constructor(
    private readonly list: readonly string[],
    private readonly group?: AdminGroupDirectory,
  ) {}

  async check(teamId: string, userId: string): Promise<AdminCheck> {
    if (isAdminOf(this.list, teamId, userId)) return { admin: true };
    if (!this.group) return { admin: false };
    const members = await this.group.members(teamId);
    if (members.ok) return { admin: members.userIds.has(userId) };
    return { admin: false, note: `(The admin user group ${members.group} could not be read: ${members.problem}. Ask an operator to fix ADMIN_USERGROUP; ADMIN_USER_IDS still works.)` };
  }

  /** Reads the group once for a workspace (at start-up), so a group that cannot be read is logged before anyone needs it. */
  async prime(teamId: string): Promise<void> {
    await this.group?.members(teamId);
  }

  async isAdmin(teamId: string, userId: string): Promise<boolean> {
    return (await this.check(teamId, userId)).admin;
  }

  /** Undefined for an admin; otherwise the refusal `text`, with the group's problem when there is one. */
  async refusal(ref: { teamId: string; userId: string }, text: string): Promise<{ text: string } | undefined> {
    const c = await this.check(ref.teamId, ref.userId);
    if (c.admin) return undefined;
    return { text: c.note ? `${text}\n${c.note}` : text };
  }
}
