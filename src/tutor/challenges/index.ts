/** Channel challenges: exercise races with a live leaderboard. */
export { ChallengeBoards, type ChallengeBaseDeps, type ChallengeClock } from './challenge-boards';
export { ChallengeRaces } from './challenge-races';
export { ChallengeService, NOT_IN_CHANNEL_REPLY, type ChallengeDeps, type ChannelRef, type ExerciseStarter } from './challenge-service';
