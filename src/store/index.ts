/** The store layer's front door: code outside src/store imports only this file (lint holds it). */
export { appVersion, backupDatabase, backupInto, inspectBackup, openTarget, pruneBackups, restoreDatabase, type BackupKind, type BackupPolicy } from './backup';
export { openDatabase, type Database } from './database';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
export { type AssignmentCounts, type AssignmentRecord, type ClassLearnerRow, type ClassStore, type ReminderKind } from './class-types';
export { PrismaChallengeStore } from './prisma/prisma-challenge-store';
export { PrismaClassStore } from './prisma/prisma-class-store';
export { type Db } from './prisma/prisma-client';
export { PrismaEventLedger } from './prisma/prisma-event-ledger';
export { PrismaInstallationStore, type WorkspaceInstall } from './prisma/prisma-installation-store';
export { PrismaLearnerStore } from './prisma/prisma-learner-store';
export { PrismaTeamStore } from './prisma/prisma-team-store';
export { PrismaTutorStore } from './prisma/prisma-tutor-store';
export { TokenCipher } from './token-cipher';
export { type ActiveLesson, type ChallengeEntryRecord, type ChallengeRecord, type ChallengeStore, type EventLedger, type ForgottenCounts, type LearnerActivity, type LearnerRecord, type LearnerStore, type LessonSummary, type SandboxRowState, type TeamStore, type TutorStore } from './types';
