/** The tutor layer's front door: code outside src/tutor imports only this file (lint holds it). */
export { AdminDirectory, isAdminOf, type AdminCheck, type AdminGroupDirectory, type AdminGroupMembers } from './admins';
export { AssignmentReminders, Assignments, ClassView, dueText, type ClassViewData, type ClassViewRow, type AssignedItem, type ChannelMembers, type ClassDeps, type CommandPlace } from './class';
export { ChallengeRaces, ChallengeService, type ChallengeClock } from './challenges';
export { learnerKeyOf, parseLearnerKey } from './learner-key';
export { TOKEN_CLOSE, TOKEN_OPEN, userToken, type ChannelPort, type CommandOutcome, type CommandView, type ConversationPort, type LiveView, type Reply } from './reply';
export { Tutor, type StepView } from './tutor';
export { type ChallengeHooks, type PlaygroundLinks, type TutorSandboxes } from './tutor-deps';
export { sandboxNotice, sandboxNotices, type NoticeLimits, type SandboxNoticeDeps } from './sandboxes/sandbox-notices';
export { sandboxOwnership } from './sandboxes/sandbox-ownership';
export type { TurnLimits } from './turns/turn-limiter';
export { TutorEvents } from './tutor-events';
export { minutes } from './views';
export { ClassReport, type ReportScope } from './team/report';
export { ForgetMe } from './team/forget-me';
export { WatchCommand, type WatchDeps } from './team/watch-command';
export { MessagesWelcome } from './team/welcome';
