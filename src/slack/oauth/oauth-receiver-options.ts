import type { Config, OAuthConfig } from '../../config';
import type { Logger } from '../../logger';
import type { BoltInstallationStore } from './bolt-installation-store';
import { installCallbacks } from './install-pages';

export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';

/** Slack's authorize page lives next to the Web API: https://slack.com/api/ -> https://slack.com/oauth/v2/authorize. */
export function authorizationUrlFor(apiUrl: string): string {
  return new URL('../oauth/v2/authorize', apiUrl).toString();
}

/**
 * The OAuth options both receivers take (Socket Mode serves them on their own small HTTP server,
 * installPort; HTTP mode on PORT next to /slack/events). State is a signed value that must also match
 * the browser's cookie; the installation goes to the Prisma-backed store.
 */
export function oauthReceiverOptions(oauth: OAuthConfig, config: Config, store: BoltInstallationStore, log: Logger, clientOptions: Record<string, unknown>) {
  return {
    clientId: oauth.clientId,
    clientSecret: oauth.clientSecret,
    stateSecret: oauth.stateSecret,
    redirectUri: oauth.redirectUri,
    scopes: oauth.scopes,
    installationStore: store,
    installerOptions: {
      clientOptions,
      // Socket Mode only: HTTPReceiver would listen on this port instead of PORT.
      ...(config.mode === 'socket' ? { port: oauth.installPort } : {}),
      installPath: INSTALL_PATH,
      redirectUriPath: REDIRECT_PATH,
      authorizationUrl: authorizationUrlFor(config.slack.apiUrl),
      stateVerification: true,
      callbackOptions: installCallbacks(log, INSTALL_PATH, config.allowedTeamIds),
    },
  };
}
