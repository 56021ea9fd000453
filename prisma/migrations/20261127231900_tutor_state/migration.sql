-- AlterTable
ALTER TABLE "Learner" ADD COLUMN     "activeLessonId" TEXT,
ADD COLUMN     "dmChannel" TEXT;
-- AlterTable
ALTER TABLE "LessonProgress" ADD COLUMN     "currentStepId" TEXT;
-- AlterTable
ALTER TABLE "StepCompletion" ADD COLUMN     "skipped" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "solutionShown" BOOLEAN NOT NULL DEFAULT false;
-- AlterTable
ALTER TABLE "CommandRun" ADD COLUMN     "channel" TEXT,
ADD COLUMN     "finishedAt" TIMESTAMP(3),
ADD COLUMN     "messageTs" TEXT,
ALTER COLUMN "durationMs" DROP NOT NULL,
ALTER COLUMN "outputBytes" SET DEFAULT 0;
-- CreateIndex
CREATE INDEX "CommandRun_finishedAt_idx" ON "CommandRun"("finishedAt");
