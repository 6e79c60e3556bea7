// The one normalized message every platform adapter produces for the engine.
import type { StoredMessage } from "../store/types.js";

export interface IncomingMessage {
  /** The platform's id of this message or event, for logs. */
  id: string;
  /** "slack", "teams", "console". */
  platform: string;
  /** Opaque, stable key of the thread: {platform}:{tenant}:{channel}:{thread} (src/store/keys.ts). */
  threadKey: string;
  /** Settings scope of the conversation (a channel, a DM). */
  conversationScope: string;
  /** Settings scope of the workspace (Slack team) or tenant (Teams). */
  workspaceScope: string;
  userId: string;
  /** The message text with the bot's own mention removed. */
  text: string;
  /**
   * Earlier messages of the thread the bot has never seen (a mention in a thread that began without
   * it). Used as context for this turn and stored with it.
   */
  priorContext?: StoredMessage[];
  /** Decided by the adapter from platform roles and configuration. */
  canChangeConversation: boolean;
  canChangeWorkspace: boolean;
}

export type TurnOutcome = "answered" | "command" | "failed";
