import { webApi } from '@slack/bolt';
import { AppError } from '../../errors';
import type { SlackIdentity } from '../slack-identity';

/**
 * auth.test before anything else, so a bad token is one clear line instead of a stack of retries. With
 * `allowedTeamIds` (ALLOWED_TEAM_IDS in single-workspace mode) the token's own workspace must be in it.
 */
export async function verifySlackToken(token: string, apiUrl: string, allowedTeamIds?: readonly string[]): Promise<SlackIdentity> {
  const client = new webApi.WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, timeout: 10000 });
  try {
    const res = await client.auth.test();
    if (!res.team_id || !res.user_id) throw new AppError('SLACK_AUTH_FAILED', 'Slack rejected SLACK_BOT_TOKEN: auth.test returned no team or user');
    refuseOwnTeamNotAllowed(res.team_id, allowedTeamIds);
    return { teamId: res.team_id, botUserId: res.user_id, botId: res.bot_id };
  } catch (err) {
    if (err instanceof AppError) throw err;
    const apiError = (err as { data?: { error?: string } }).data?.error;
    if (apiError) throw new AppError('SLACK_AUTH_FAILED', `Slack rejected SLACK_BOT_TOKEN: ${apiError}`, { cause: err });
    throw new AppError('SLACK_UNREACHABLE', `Cannot reach Slack's Web API at ${apiUrl}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Every request of a single-workspace bot comes from the token's workspace, so an allow-list without it would
 * drop them all in silence: the bot refuses to start instead (a warning would leave a bot that looks up and
 * answers no one).
 */
export function refuseOwnTeamNotAllowed(teamId: string, allowedTeamIds?: readonly string[]): void {
  if (!allowedTeamIds || allowedTeamIds.includes(teamId)) return;
  throw new AppError(
    'CONFIG_INVALID',
    `ALLOWED_TEAM_IDS (${allowedTeamIds.join(', ')}) leaves out ${teamId}, the workspace of SLACK_BOT_TOKEN, so the bot would answer no one: add ${teamId} to it or unset it`,
  );
}
