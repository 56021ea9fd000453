/**
 * Whether a user is a Dockhand admin of their workspace. ADMIN_USER_IDS holds `TEAM:USER` entries (an
 * admin of that workspace only) and, in single-workspace mode, plain user ids. A user id is unique only
 * within its workspace, so a plain id never counts in another team when entries are team-qualified.
 */
export function isAdminOf(adminUserIds: readonly string[], teamId: string, userId: string): boolean {
  return adminUserIds.includes(`${teamId}:${userId}`) || adminUserIds.includes(userId);
}
