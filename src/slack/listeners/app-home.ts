import type { App } from '@slack/bolt';
import type { HomePublisher } from '../home-publisher';
import type { SlackIdentity } from '../slack-identity';

/** Opening the Home tab publishes the learner's App Home, at once unless it was just published (the HomePublisher's throttle). */
export function registerAppHome(app: App, deps: { homes: HomePublisher; identity: SlackIdentity }): void {
  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home') return;
    await deps.homes.opened((body as { team_id?: string }).team_id ?? deps.identity.teamId, event.user);
  });
}
