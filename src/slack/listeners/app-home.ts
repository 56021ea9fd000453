import type { App, webApi } from '@slack/bolt';
import type { Logger } from '../../logger';
import type { Tutor } from '../../tutor/tutor';
import type { SlackIdentity } from '../create-slack-app';
import { renderHome } from '../home-view';

/** Publishes a learner's App Home, at most once per interval per learner (views.publish is rate limited). */
export class HomePublisher {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly lastAt = new Map<string, number>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly tutor: Tutor,
    private readonly log: Logger,
    private readonly challengeResults: (teamId: string, userId: string) => Promise<string[]> = async () => [],
    private readonly minIntervalMs = 5000,
  ) {}

  /** Republishes soon; several changes in a row publish once. */
  schedule(teamId: string, userId: string): void {
    if (this.pending.has(userId)) return;
    const wait = Math.max(200, (this.lastAt.get(userId) ?? 0) + this.minIntervalMs - Date.now());
    const timer = setTimeout(() => {
      this.pending.delete(userId);
      void this.publish(teamId, userId);
    }, wait);
    timer.unref();
    this.pending.set(userId, timer);
  }

  async publish(teamId: string, userId: string): Promise<void> {
    this.lastAt.set(userId, Date.now());
    try {
      const [home, challenges] = await Promise.all([this.tutor.home({ teamId, userId }), this.challengeResults(teamId, userId)]);
      await this.client.views.publish({ user_id: userId, view: renderHome({ ...home, challenges }) });
    } catch (err) {
      this.log.warn({ err, userId }, 'App Home publish failed');
    }
  }

  stop(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}

export function registerAppHome(app: App, deps: { homes: HomePublisher; identity: SlackIdentity }): void {
  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home') return;
    await deps.homes.publish((body as { team_id?: string }).team_id ?? deps.identity.teamId, event.user);
  });
}
