-- Issue 11: race clocks that start when the sandbox is ready, solves flagged under a floor, admin disqualification.
-- AlterTable
ALTER TABLE "Challenge" ADD COLUMN     "minSolveSeconds" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "resultsTs" TEXT;

-- AlterTable
ALTER TABLE "ChallengeEntry" ADD COLUMN     "disqualifiedAt" TIMESTAMP(3),
ADD COLUMN     "disqualifiedBy" TEXT,
ADD COLUMN     "readyAt" TIMESTAMP(3);
