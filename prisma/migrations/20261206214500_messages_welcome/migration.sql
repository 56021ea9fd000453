-- The Messages tab welcome is sent once per user: this row records that it was.
-- CreateTable
CREATE TABLE "MessagesWelcome" (
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "welcomedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MessagesWelcome_pkey" PRIMARY KEY ("teamId","userId")
);
