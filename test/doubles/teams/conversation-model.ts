// What a Teams user would see: conversations (personal, group chat, channel with threads), the bot's
// messages in them with their streaming state, and the rosters the member endpoints read.
import { baseConversationId } from "./routes.js";

export type ConversationType = "personal" | "groupChat" | "channel";

export interface MemberConfig {
  /** Teams user id, "29:...". */
  id: string;
  name: string;
  /** Microsoft Entra object id; on the wire as `objectId` (see memberObjectIdField). */
  aadObjectId: string;
  givenName?: string;
  surname?: string;
  email?: string;
  userPrincipalName?: string;
  tenantId?: string;
  /** "user", "guest", "anonymous" (get-teams-context); Teams may add others. */
  userRole?: string;
}

export interface ConversationConfig {
  id: string;
  conversationType: ConversationType;
  tenantId?: string;
  /** A channel's team: its roster answers the channel's member requests. */
  teamId?: string;
  members?: MemberConfig[];
}

export interface TeamConfig {
  /** The team id, which is also its General channel's id ("19:...@thread.tacv2"). */
  id: string;
  name: string;
  aadGroupId: string;
  tenantId?: string;
  /** The General channel's name is null (get-teams-context). */
  channels?: Array<{ id: string; name: string | null }>;
  members?: MemberConfig[];
}

export interface Entity {
  type: string;
  [key: string]: unknown;
}

/** timedOut: Teams ended it for time; ended: Teams ended it otherwise (endStream with another answer). */
export type StreamPhase = "streaming" | "final" | "stopped" | "timedOut" | "ended";

export interface StreamState {
  id: string;
  phase: StreamPhase;
  startedAt: number;
  lastRequestAt: number;
  lastSequence: number;
  /** The response text shown so far (streamType "streaming"); later updates must extend it. */
  streamedText: string;
  /** The latest informative status, shown until response text arrives. */
  informativeText?: string;
  /** Refusals since the stream ended: the first is how a bot learns, later ones are violations. */
  refusals: number;
  /** Streaming requests accepted (the first included), for Settings.streamEndsAfterRequests. */
  accepted: number;
  /** Phase "ended": what Teams answers the requests that come after the end. */
  endAnswer?: { status: number; body?: unknown };
}

export interface StoredMessage {
  id: string;
  /** The conversation id the bot used, ";messageid=" included for a channel thread. */
  conversationId: string;
  text: string;
  textFormat?: string;
  attachments: unknown[];
  entities: Entity[];
  channelData?: Record<string, unknown>;
  suggestedActions?: unknown;
  replyToId?: string;
  updated: boolean;
  updateCount: number;
  deleted: boolean;
  createdAt: number;
  updatedAt: number;
  stream?: StreamState;
}

export interface Conversation {
  /** Base id: a channel thread's ";messageid=" suffix removed. */
  id: string;
  conversationType: ConversationType;
  tenantId?: string;
  teamId?: string;
  members: MemberConfig[];
  /** Plain typing indicators (no streaminfo) the bot sent. */
  typingIndicators: number;
  messages: StoredMessage[];
}

export const AI_MESSAGE_ENTITY_TYPE = "https://schema.org/Message";

/** What a user sees of one message. */
export interface VisibleMessage {
  id: string;
  conversationId: string;
  text: string;
  textFormat?: string;
  attachments: unknown[];
  /** As carried by the last accepted request, streaminfo entities removed. */
  entities: Entity[];
  channelData?: Record<string, unknown>;
  replyToId?: string;
  updated: boolean;
  /** Streamed messages only: "informative" while only a status shows, then the stream phase. */
  stream?: "informative" | StreamPhase;
  /** A root https://schema.org/Message entity with additionalType AIGeneratedContent. */
  aiGenerated: boolean;
  citations: number;
  /** channelData.feedbackLoopEnabled or channelData.feedbackLoop. */
  feedbackLoop: boolean;
}

export class ConversationStore {
  readonly conversations = new Map<string, Conversation>();
  readonly teams = new Map<string, TeamConfig>();

  addConversation(config: ConversationConfig): Conversation {
    const id = baseConversationId(config.id);
    const existing = this.conversations.get(id);
    const conversation: Conversation = {
      id,
      conversationType: config.conversationType,
      tenantId: config.tenantId,
      teamId: config.teamId,
      members: [...(config.members ?? existing?.members ?? [])],
      typingIndicators: existing?.typingIndicators ?? 0,
      messages: existing?.messages ?? [],
    };
    this.conversations.set(id, conversation);
    return conversation;
  }

  addTeam(config: TeamConfig): void {
    this.teams.set(config.id, { ...config, channels: config.channels ?? [{ id: config.id, name: null }] });
  }

  find(conversationId: string): Conversation | undefined {
    return this.conversations.get(baseConversationId(conversationId));
  }

  /** The conversation, created on first use from what the bot's activity says (or the id's shape). */
  ensure(conversationId: string, typeHint: unknown, tenantHint: unknown): Conversation {
    const known = this.find(conversationId);
    if (known) return known;
    const teamId = this.teams.has(baseConversationId(conversationId))
      ? baseConversationId(conversationId)
      : undefined;
    return this.addConversation({
      id: conversationId,
      conversationType: isConversationType(typeHint) ? typeHint : inferConversationType(conversationId),
      tenantId: typeof tenantHint === "string" ? tenantHint : undefined,
      teamId,
    });
  }

  message(conversationId: string, activityId: string): StoredMessage | undefined {
    return this.find(conversationId)?.messages.find((m) => m.id === activityId);
  }

  /** Members of a conversation, or of a team when the id is a team's (TeamsInfo uses the team id). */
  roster(id: string): MemberConfig[] | undefined {
    const team = this.teams.get(baseConversationId(id));
    if (team) return team.members ?? [];
    const conversation = this.find(id);
    if (!conversation) return undefined;
    const teamOfChannel = conversation.teamId ? this.teams.get(conversation.teamId) : undefined;
    return teamOfChannel?.members ?? conversation.members;
  }

  clear(): void {
    for (const conversation of this.conversations.values()) {
      conversation.messages = [];
      conversation.typingIndicators = 0;
    }
  }
}

/** Teams' id shapes: "a:..." personal, "19:...@thread.tacv2"/"@thread.skype" channel, "19:...@thread.v2" group chat. */
export function inferConversationType(conversationId: string): ConversationType {
  if (/@thread\.(tacv2|skype)/.test(conversationId)) return "channel";
  if (/@thread\.v2/.test(conversationId)) return "groupChat";
  return "personal";
}

export function isConversationType(value: unknown): value is ConversationType {
  return value === "personal" || value === "groupChat" || value === "channel";
}

export function toVisible(message: StoredMessage): VisibleMessage {
  const stream = message.stream;
  const showsStatusOnly = stream?.phase === "streaming" && stream.streamedText === "";
  const entities = message.entities.filter((e) => e.type.toLowerCase() !== "streaminfo");
  const root = entities.find((e) => e.type === AI_MESSAGE_ENTITY_TYPE);
  const additionalType = root?.additionalType;
  const citation = root?.citation;
  const channelData = message.channelData;
  const feedbackLoop = channelData?.feedbackLoopEnabled === true || isRecord(channelData?.feedbackLoop);
  return {
    id: message.id,
    conversationId: message.conversationId,
    text: showsStatusOnly ? (stream.informativeText ?? "") : message.text,
    textFormat: message.textFormat,
    attachments: message.attachments,
    entities,
    channelData,
    replyToId: message.replyToId,
    updated: message.updated,
    stream: stream ? (showsStatusOnly ? "informative" : stream.phase) : undefined,
    aiGenerated: Array.isArray(additionalType) && additionalType.includes("AIGeneratedContent"),
    citations: Array.isArray(citation) ? citation.length : 0,
    feedbackLoop,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
