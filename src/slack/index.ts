/**
 * The Slack layer's front door: what the composition root, main's local mode and tests outside
 * src/slack use. Everything else in this folder is reached through these.
 */
export { createSlackApp, type SlackApp, type SlackDeps } from './app/create-slack-app';
export { registerListeners, type SlackServices } from './app/register-listeners';
export type { SlackIdentity } from './slack-identity';
export { verifySlackToken } from './app/verify-slack-token';
export { InFlight } from './app/in-flight';
export { SlackAdminGroup } from './team/admin-usergroup';
export { channelMembers } from './channel-members';
export type { HomePublisher } from './home-publisher';
export { RateLimitGate, type RateLimitGateOptions } from './streaming/rate-limit-gate';
export type { SlackObserver, SlackRequestKind } from './app/slack-observer';
export type { RemovalReason, WorkspaceRemover } from './oauth/workspace-remover';
export { WorkspaceRemoval, type RemovalDeps } from './oauth/workspace-removal';
export { multiWorkspace, singleWorkspace, type Workspaces } from './oauth/workspaces';
export { SlackStandIn, type AckResult, type RecordedCall, type StandInOptions, type UploadedFile } from './stand-in/slack-stand-in';
export { LocalChat } from './stand-in/local-chat';
