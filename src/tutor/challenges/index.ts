/** Channel challenges: exercise races with a live leaderboard. */
export { ChallengeBoards, type ChallengeBaseDeps } from './challenge-boards';
export { ChallengeRaces } from './challenge-races';
export { ChallengeService, type ChallengeDeps, type ChannelRef, type ExerciseStarter } from './challenge-service';
