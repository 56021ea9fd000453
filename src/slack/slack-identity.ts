/** Who the bot is in its workspace, as auth.test reports it: listeners fall back on it when a payload names no team. */
export interface SlackIdentity {
  teamId: string;
  botUserId: string;
  botId?: string;
}
