// The state behind the double: workspaces (a bot token each), their users and channels, and the
// messages a Slack user would see. Message `ts` values are strictly increasing per channel.
import { blocksText } from "./blocks.js";

export interface SlackUserConfig {
  id: string;
  name: string;
  realName?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isBot?: boolean;
  deleted?: boolean;
  tz?: string;
}

export interface TeamConfig {
  teamId: string;
  botToken: string;
  botUserId: string;
  botId: string;
  appId?: string;
  teamName?: string;
  users?: readonly SlackUserConfig[];
  /**
   * The Enterprise Grid org the workspace belongs to. An org-wide app has one bot token for all its
   * workspaces: teams of one org may share `botToken`, and each call then acts in the workspace of
   * the channel it names (rate limits are per method per workspace per app).
   */
  enterpriseId?: string;
}

export interface Team extends Required<Omit<TeamConfig, "users" | "enterpriseId">> {
  users: Map<string, SlackUserConfig>;
  enterpriseId?: string;
}

export type StreamState = "streaming" | "stopped" | "expired";

export interface StreamInfo {
  state: StreamState;
  /** markdown_text from start, each append and stop, in order. */
  parts: string[];
  /** Non-text chunks (task_update, plan_update, blocks), kept for tests. */
  chunks: unknown[];
  startedAt: number;
  lastActivityAt: number;
  recipientUserId?: string;
  recipientTeamId?: string;
  /** The user pressed stop: appends answer stopped_by_user. */
  stoppedByUser?: boolean;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  teamId: string;
  user?: string;
  botId?: string;
  appId?: string;
  subtype?: string;
  text: string;
  markdownText?: string;
  blocks?: unknown[];
  stream?: StreamInfo;
  edited?: { user: string; ts: string };
  deleted: boolean;
  reactions: Array<{ name: string; users: string[] }>;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  messageTs: string;
  threadTs?: string;
  text: string;
  markdownText?: string;
  blocks?: unknown[];
}

export interface ChannelConfig {
  teamId: string;
  /** false: the bot is not a member, so posting answers not_in_channel. */
  botIsMember?: boolean;
  /** Set: chat.startStream here answers this error (e.g. channel_type_not_supported). */
  streamingError?: string;
  /** The users in the channel (conversations.members); absent: every user of its workspace. */
  members?: string[];
}

export interface Channel extends Required<Omit<ChannelConfig, "streamingError" | "members">> {
  id: string;
  streamingError?: string;
  members?: string[];
  messages: Map<string, StoredMessage>;
  lastMicros: number;
}

/** What a user sees of one message. */
export interface VisibleMessage {
  ts: string;
  threadTs?: string;
  user?: string;
  botId?: string;
  text: string;
  blocks?: unknown[];
  streaming?: StreamState;
  edited: boolean;
  reactions: Array<{ name: string; count: number }>;
}

const MICROS_PER_SECOND = 1_000_000;
const MICROS_PER_MS = 1_000;
export const CHANNEL_ID = /^[CDG][A-Z0-9]+$/;

export class Workspace {
  readonly teams = new Map<string, Team>();
  readonly channels = new Map<string, Channel>();
  readonly ephemerals: EphemeralMessage[] = [];
  readonly #teamByToken = new Map<string, string>();

  addTeam(config: TeamConfig): Team {
    const team: Team = {
      teamId: config.teamId,
      botToken: config.botToken,
      botUserId: config.botUserId,
      botId: config.botId,
      appId: config.appId ?? `A${config.teamId.slice(1)}`,
      teamName: config.teamName ?? `Workspace ${config.teamId}`,
      users: new Map((config.users ?? []).map((u) => [u.id, u])),
      enterpriseId: config.enterpriseId,
    };
    team.users.set(team.botUserId, { id: team.botUserId, name: "bot", isBot: true });
    const home = this.teamForToken(team.botToken);
    if (home && !this.sameOrg(home.teamId, team)) {
      throw new Error(`bot token of ${team.teamId} is ${home.teamId}'s, and they are not one org`);
    }
    this.teams.set(team.teamId, team);
    // An org-wide token authenticates as the workspace it was first added for.
    if (!home) this.#teamByToken.set(team.botToken, team.teamId);
    return team;
  }

  /** The same workspace, or two workspaces of one Enterprise Grid org. */
  sameOrg(teamId: string, other: { teamId: string; enterpriseId?: string }): boolean {
    if (teamId === other.teamId) return true;
    const enterpriseId = this.teams.get(teamId)?.enterpriseId;
    return enterpriseId !== undefined && enterpriseId === other.enterpriseId;
  }

  teamForToken(token: string): Team | undefined {
    const teamId = this.#teamByToken.get(token);
    return teamId === undefined ? undefined : this.teams.get(teamId);
  }

  addChannel(id: string, config: ChannelConfig): Channel {
    const existing = this.channels.get(id);
    const channel: Channel = {
      id,
      teamId: config.teamId,
      botIsMember: config.botIsMember ?? true,
      streamingError: config.streamingError,
      members: config.members,
      messages: existing?.messages ?? new Map(),
      lastMicros: existing?.lastMicros ?? 0,
    };
    this.channels.set(id, channel);
    return channel;
  }

  /** The channel if `teamId` may see it; unknown IDs are created for that team unless `strict`. */
  channelFor(id: string, teamId: string, strict: boolean): Channel | undefined {
    const channel = this.channels.get(id);
    const team = this.teams.get(teamId);
    if (channel) return team && this.sameOrg(channel.teamId, team) ? channel : undefined;
    if (strict || !CHANNEL_ID.test(id)) return undefined;
    return this.addChannel(id, { teamId });
  }

  /** A new ts for `channel`: the clock's microseconds, or one past the channel's last ts. */
  nextTs(channel: Channel, nowMs: number): string {
    const micros = Math.max(Math.floor(nowMs * MICROS_PER_MS), channel.lastMicros + 1);
    channel.lastMicros = micros;
    return formatTs(micros);
  }

  /** Stores a message with a given ts (seeding), keeping later ts values above it. */
  insert(message: StoredMessage): StoredMessage {
    const channel = this.channels.get(message.channel);
    if (!channel) throw new Error(`unknown channel ${message.channel}`);
    if (channel.messages.has(message.ts))
      throw new Error(`ts ${message.ts} already used in ${message.channel}`);
    channel.messages.set(message.ts, message);
    channel.lastMicros = Math.max(channel.lastMicros, parseTs(message.ts));
    return message;
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    const message = this.channels.get(channel)?.messages.get(ts);
    return message && !message.deleted ? message : undefined;
  }

  /** Who is in the channel: its members list, or every user of its workspace; the bot when it joined. */
  membersOf(channel: Channel): string[] {
    const team = this.teams.get(channel.teamId);
    const users = channel.members ?? [...(team?.users.keys() ?? [])].filter((id) => id !== team?.botUserId);
    return channel.botIsMember && team ? [...users, team.botUserId] : users;
  }

  /** The thread's parent (when present) and its replies, oldest first. */
  threadMessages(channel: string, threadTs: string): StoredMessage[] {
    const messages = [...(this.channels.get(channel)?.messages.values() ?? [])].filter(
      (m) => !m.deleted && (m.ts === threadTs || m.threadTs === threadTs),
    );
    return messages.sort((a, b) => parseTs(a.ts) - parseTs(b.ts));
  }

  /** Every live message of the channel, oldest first. */
  channelMessages(channel: string): StoredMessage[] {
    const messages = [...(this.channels.get(channel)?.messages.values() ?? [])].filter((m) => !m.deleted);
    return messages.sort((a, b) => parseTs(a.ts) - parseTs(b.ts));
  }
}

/** The text a user reads: streamed markdown (and any stop blocks), else markdown_text, blocks or text. */
export function visibleTextOf(message: StoredMessage): string {
  const blockText = message.blocks && message.blocks.length > 0 ? blocksText(message.blocks) : "";
  if (message.stream) return [message.stream.parts.join(""), blockText].filter((s) => s !== "").join("\n");
  if (message.markdownText !== undefined) return message.markdownText;
  if (blockText !== "") return blockText;
  return message.text;
}

export function visible(message: StoredMessage): VisibleMessage {
  return {
    ts: message.ts,
    threadTs: message.threadTs,
    user: message.user,
    botId: message.botId,
    text: visibleTextOf(message),
    blocks: message.blocks,
    streaming: message.stream?.state,
    edited: message.edited !== undefined,
    reactions: message.reactions.map((r) => ({ name: r.name, count: r.users.length })),
  };
}

export function parseTs(ts: string): number {
  const [seconds = "0", fraction = ""] = ts.split(".");
  return Number(seconds) * MICROS_PER_SECOND + Number(fraction.padEnd(6, "0").slice(0, 6));
}

export function formatTs(micros: number): string {
  const seconds = Math.floor(micros / MICROS_PER_SECOND);
  return `${seconds}.${String(micros % MICROS_PER_SECOND).padStart(6, "0")}`;
}
