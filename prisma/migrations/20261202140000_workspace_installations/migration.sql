-- Issue 15: multi-workspace installs (OAuth v2). One row per workspace, the bot token AES-256-GCM
-- ciphertext (src/store/token-cipher.ts), never plain text.
-- CreateTable
CREATE TABLE "Installation" (
    "teamId" TEXT NOT NULL,
    "teamName" TEXT,
    "enterpriseId" TEXT,
    "appId" TEXT,
    "botUserId" TEXT NOT NULL,
    "botId" TEXT,
    "botScopes" TEXT NOT NULL,
    "botTokenSealed" TEXT NOT NULL,
    "installerUserId" TEXT,
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Installation_pkey" PRIMARY KEY ("teamId")
);
