-- Lessons assigned by admins, with due dates and the reminders sent.
CREATE TABLE "Assignment" (
    "id" UUID NOT NULL,
    "teamId" TEXT NOT NULL,
    "lessonId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "assignedBy" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),
    "remindedBeforeAt" TIMESTAMP(3),
    "remindedOnDayAt" TIMESTAMP(3),

    CONSTRAINT "Assignment_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "Assignment_teamId_userId_lessonId_key" ON "Assignment"("teamId", "userId", "lessonId");

CREATE INDEX "Assignment_teamId_completedAt_idx" ON "Assignment"("teamId", "completedAt");
