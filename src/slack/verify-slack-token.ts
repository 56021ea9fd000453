import { webApi } from '@slack/bolt';
import { AppError } from '../errors';
import type { SlackIdentity } from './slack-identity';

/** auth.test before anything else, so a bad token is one clear line instead of a stack of retries. */
export async function verifySlackToken(token: string, apiUrl: string): Promise<SlackIdentity> {
  const client = new webApi.WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, timeout: 10000 });
  try {
    const res = await client.auth.test();
    if (!res.team_id || !res.user_id) throw new AppError('SLACK_AUTH_FAILED', 'Slack rejected SLACK_BOT_TOKEN: auth.test returned no team or user');
    return { teamId: res.team_id, botUserId: res.user_id, botId: res.bot_id };
  } catch (err) {
    if (err instanceof AppError) throw err;
    const apiError = (err as { data?: { error?: string } }).data?.error;
    if (apiError) throw new AppError('SLACK_AUTH_FAILED', `Slack rejected SLACK_BOT_TOKEN: ${apiError}`, { cause: err });
    throw new AppError('SLACK_UNREACHABLE', `Cannot reach Slack's Web API at ${apiUrl}: ${(err as Error).message}`, { cause: err });
  }
}
