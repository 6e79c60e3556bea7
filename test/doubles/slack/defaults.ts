// The workspace the double serves and the payload builders speak for, unless a test names another.
import type { TeamConfig } from "./workspace.js";

export const DEFAULT_TEAM = {
  teamId: "T0000TEST1",
  botToken: "xoxb-test-bot-token",
  botUserId: "U0000BOT01",
  botId: "B0000BOT01",
  appId: "A0000APP01",
  teamName: "Test Workspace",
  users: [
    { id: "U0000ALICE", name: "alice", realName: "Alice Admin", isAdmin: true, isOwner: true },
    { id: "U00000BOB1", name: "bob", realName: "Bob Member" },
  ],
} as const satisfies TeamConfig;
