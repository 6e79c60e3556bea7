// The one normalized message every platform adapter produces for the engine.
import type { Passage } from "../retrieval/types.js";
import type { Whereabouts } from "../settings/policies.js";
import type { StoredMessage } from "../store/types.js";
import type { UsageWho } from "../store/usage.js";

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
  /**
   * The asking user's rights, from the platform's roles and the configuration. Asked only when a
   * command changes settings (or a platform shows an editable settings card): a plain question costs
   * no role lookup. A failed lookup counts as no rights.
   */
  rights(): Promise<ChangeRights>;
  /** What `forget` answers instead where there is no thread to forget (a Slack slash command in a channel). */
  forgetHint?: string;
  /**
   * A conversation the user asked about ("summarize this"), read by the adapter within what the user
   * may see: the answer comes from its messages, cited by number with their links, instead of a data
   * source.
   */
  aboutConversation?: ConversationExcerpt;
  /**
   * Where it was written, as the allow-lists name places and people. Absent: a direct conversation
   * of `userId` (the terminal).
   */
  where?: Whereabouts;
}

/** Messages of one conversation, as numbered sources. */
export interface ConversationExcerpt {
  /** How the user knows it, for the prompt: "the channel #general", "a thread in #general". */
  name: string;
  /** The channel it is in, as the allow-lists name it: it must be allowed too. */
  channelId: string;
  /** Newest first (what the token budget keeps when not all fit), each with its link as `url`. */
  passages: Passage[];
}

/** Who may change settings where: this conversation's, and the workspace's (or tenant's) defaults. */
export interface ChangeRights {
  conversation: boolean;
  workspace: boolean;
}

export const NO_RIGHTS: Readonly<ChangeRights> = Object.freeze({ conversation: false, workspace: false });

/**
 * "not_a_command": the text was chat, and the caller asked for commands only (nothing was done).
 * "refused": a token quota was reached; the user was told, the model not asked.
 */
export type TurnOutcome = "answered" | "command" | "failed" | "not_a_command" | "refused";

/** Who a message counts for in the usage ledger. */
export function whoOf(message: IncomingMessage): UsageWho {
  return {
    workspaceScope: message.workspaceScope,
    conversationScope: message.conversationScope,
    userId: message.userId,
  };
}
