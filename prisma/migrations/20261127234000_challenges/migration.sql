-- CreateTable
CREATE TABLE "Challenge" (
    "id" UUID NOT NULL,
    "teamId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "exerciseId" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "cardTs" TEXT,
    "leaderboardTs" TEXT,
    "hintPenaltySeconds" INTEGER NOT NULL DEFAULT 60,
    CONSTRAINT "Challenge_pkey" PRIMARY KEY ("id")
);
-- CreateTable
CREATE TABLE "ChallengeEntry" (
    "id" UUID NOT NULL,
    "challengeId" UUID NOT NULL,
    "learnerId" UUID NOT NULL,
    "acceptedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "solvedAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "hintsUsed" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "ChallengeEntry_pkey" PRIMARY KEY ("id")
);
-- CreateIndex
CREATE INDEX "Challenge_teamId_endedAt_idx" ON "Challenge"("teamId", "endedAt");
-- CreateIndex
CREATE INDEX "ChallengeEntry_learnerId_idx" ON "ChallengeEntry"("learnerId");
-- CreateIndex
CREATE UNIQUE INDEX "ChallengeEntry_challengeId_learnerId_key" ON "ChallengeEntry"("challengeId", "learnerId");
-- AddForeignKey
ALTER TABLE "ChallengeEntry" ADD CONSTRAINT "ChallengeEntry_challengeId_fkey" FOREIGN KEY ("challengeId") REFERENCES "Challenge"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- AddForeignKey
ALTER TABLE "ChallengeEntry" ADD CONSTRAINT "ChallengeEntry_learnerId_fkey" FOREIGN KEY ("learnerId") REFERENCES "Learner"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One running challenge per channel, enforced by the database (Prisma cannot express a partial index).
CREATE UNIQUE INDEX "Challenge_one_running_per_channel" ON "Challenge"("teamId", "channelId") WHERE "endedAt" IS NULL;
