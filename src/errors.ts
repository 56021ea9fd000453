/**
 * Every stable error code the bot raises. Logs, tests and the Slack layer branch on these strings, so
 * they are a closed set: a typo or a new code without an entry here fails `npm run typecheck`.
 */
export type ErrorCode =
  // configuration and start-up
  | 'CONFIG_INVALID'
  | 'CLI_USAGE'
  | 'INTERNAL'
  | 'METRICS_PORT_IN_USE'
  // database
  | 'DB_UNREACHABLE'
  | 'DB_MIGRATE_FAILED'
  | 'DB_EMBEDDED_FAILED'
  | 'DB_EMBEDDED_UNREACHABLE'
  | 'DB_EMBEDDED_TIMEOUT'
  // backups
  | 'BACKUP_NOT_FOUND'
  | 'BACKUP_UNREADABLE'
  | 'BACKUP_TOO_NEW'
  | 'BACKUP_MISMATCH'
  | 'BACKUP_FAILED'
  | 'RESTORE_TARGET_NOT_EMPTY'
  | 'RESTORE_TARGET_IN_USE'
  // Slack
  | 'SLACK_AUTH_FAILED'
  | 'SLACK_UNREACHABLE'
  | 'SLACK_POST_FAILED'
  | 'SLACK_STREAMER_CLOSED'
  | 'SLACK_NOT_IN_CHANNEL'
  | 'SLACK_NO_WORKSPACE'
  | 'SLACK_NOT_INSTALLED'
  | 'TOKEN_KEY_INVALID'
  | 'TOKEN_KEY_MISMATCH'
  | 'TOKEN_TAMPERED'
  // images and the mirror
  | 'DOCKER_UNAVAILABLE'
  | 'IMAGES_DIR_MISSING'
  | 'IMAGE_BUILD_FAILED'
  | 'IMAGE_BUILD_UNAVAILABLE'
  | 'IMAGE_LOCK_FAILED'
  | 'IMAGE_LOCK_TIMEOUT'
  | 'IMAGE_PULL_FAILED'
  | 'MIRROR_NAME_TAKEN'
  | 'MIRROR_NOT_READY'
  | 'MIRROR_QUERY_FAILED'
  | 'MIRROR_PUSH_FAILED'
  // sandboxes and the shell
  | 'SANDBOX_CREATE_FAILED'
  | 'SANDBOX_NETWORK_FAILED'
  | 'HOST_EXEC_FAILED'
  | 'HOST_FIREWALL_FAILED'
  | 'SANDBOX_CLAIM_FAILED'
  | 'SANDBOX_NOT_READY'
  | 'SANDBOX_PROFILE_UNSUPPORTED'
  | 'SANDBOX_HOST_SETUP_FAILED'
  | 'SANDBOX_HOST_DISK_FULL'
  | 'SANDBOX_MANAGER_STOPPED'
  | 'CHECK_RUNNER_FAILED'
  | 'SANDBOX_OUTDATED'
  | 'SHELL_BUSY'
  | 'SHELL_GONE'
  | 'SHELL_NOT_READY'
  | 'NOTHING_RUNNING'
  | 'RATE_LIMITED'
  // lessons, the importer and challenges
  | 'LESSON_UNKNOWN'
  | 'IMPORT_BAD_INDEX'
  | 'IMPORT_BAD_JSON'
  | 'IMPORT_EXISTS'
  | 'IMPORT_NO_INDEX'
  | 'CHALLENGE_CHANNEL_BUSY';

/** An error with a stable machine-readable code; the original cause is kept for logs. */
export class AppError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

export function errorCode(err: unknown): ErrorCode {
  return err instanceof AppError ? err.code : 'INTERNAL';
}
