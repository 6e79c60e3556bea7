// What a method handler gets and gives back, and the message-content checks several methods share.
import type { AgentSession, SessionChange } from "./agent-methods.js";
import { checkBlocks } from "./blocks.js";
import { MARKDOWN_TEXT_MAX_CHARS, TEXT_MAX_CHARS } from "./limits.js";
import { isReply } from "./wire-message.js";
import type { Channel, Team, Workspace } from "./workspace.js";

const TS_PATTERN = /^\d+\.\d+$/;

export type Answer =
  | { ok: true; [key: string]: unknown }
  | { ok: false; error: string; [key: string]: unknown };

export interface Surfaces {
  /** Current assistant status per `${channel}/${threadTs}` (absent once cleared). */
  statuses: Map<string, string>;
  statusLog: Array<{ channel: string; threadTs: string; status: string; at: number }>;
  suggestedPrompts: Map<string, { title?: string; prompts: unknown }>;
  titles: Map<string, string>;
  openedViews: Array<{ teamId: string; id: string; triggerId?: string; view: unknown }>;
  /** Published Home tab per `${teamId}/${userId}`. */
  homeViews: Map<string, unknown>;
  usedTriggers: Set<string>;
  /** Agent sessions per `${channel}/${threadTs}`. */
  sessions: Map<string, AgentSession>;
  /** Every status and title change, in order (the app's and the user's). */
  sessionLog: SessionChange[];
}

export interface Settings {
  /** Unknown channel IDs answer channel_not_found instead of being created. */
  strictChannels: boolean;
  streamLifetimeMs: number;
  streamIdleMs: number | undefined;
  /** "*" or a channel ID → the error chat.startStream answers there. */
  streamingUnavailable: Map<string, string>;
}

export interface MethodContext {
  method: string;
  team: Team;
  args: Record<string, unknown>;
  /** Structured arguments whose JSON did not parse. */
  malformed: ReadonlySet<string>;
  now: number;
  workspace: Workspace;
  surfaces: Surfaces;
  settings: Settings;
  /** Records a spec violation the handler found (the call still gets its answer). */
  note(problem: string): void;
}

export type Handler = (ctx: MethodContext) => Answer;

export function fail(error: string, extra: Record<string, unknown> = {}): Answer {
  return { ok: false, error, ...extra };
}

export function threadKey(channel: string, threadTs: string): string {
  return `${channel}/${threadTs}`;
}

export function str(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The channel named by `args[name]` if the caller's workspace can see it. */
export function channelArg(ctx: MethodContext, name = "channel"): Channel | Answer {
  const id = str(ctx.args, name);
  const channel = id ? ctx.workspace.channelFor(id, ctx.team.teamId, ctx.settings.strictChannels) : undefined;
  return channel ?? fail("channel_not_found");
}

export function isAnswer(value: unknown): value is Answer {
  return typeof value === "object" && value !== null && "ok" in value;
}

export interface Content {
  text: string;
  markdownText?: string;
  blocks?: unknown[];
}

/**
 * text / markdown_text / blocks of chat.postMessage, chat.update and chat.postEphemeral, checked the
 * way Slack checks them. markdown_text over its limit answers msg_too_long: no public capture of the
 * real code was found, and msg_too_long is the code Slack uses for an over-long text field.
 */
export function messageContent(ctx: MethodContext): Content | Answer {
  const { args } = ctx;
  const text = typeof args.text === "string" ? args.text : undefined;
  const markdownText = typeof args.markdown_text === "string" ? args.markdown_text : undefined;
  const hasBlocks = args.blocks !== undefined && args.blocks !== null;
  const hasAttachments = args.attachments !== undefined && args.attachments !== null;
  if (markdownText !== undefined && ((text ?? "") !== "" || hasBlocks)) return fail("markdown_text_conflict");
  if ((text ?? "") === "" && (markdownText ?? "") === "" && !hasBlocks && !hasAttachments)
    return fail("no_text");
  if (text !== undefined && text.length > TEXT_MAX_CHARS) return fail("msg_too_long");
  if (markdownText !== undefined && markdownText.length > MARKDOWN_TEXT_MAX_CHARS)
    return fail("msg_too_long");
  let blocks: unknown[] | undefined;
  if (hasBlocks) {
    if (ctx.malformed.has("blocks")) return fail("invalid_blocks_format");
    const problem = checkBlocks(args.blocks);
    if (problem) return blocksFailure(problem);
    blocks = args.blocks as unknown[];
  }
  return { text: text ?? "", markdownText, blocks };
}

export function blocksFailure(problem: { error: string; messages: string[] }): Answer {
  return fail(problem.error, { errors: problem.messages, response_metadata: { messages: problem.messages } });
}

/** thread_ts as given; a reply's ts is read as its parent's (Slack's advice), noted as a violation. */
export function threadArg(ctx: MethodContext, channel: Channel): string | undefined | Answer {
  const threadTs = str(ctx.args, "thread_ts");
  if (threadTs === undefined) return undefined;
  if (!TS_PATTERN.test(threadTs)) return fail("invalid_thread_ts");
  const target = ctx.workspace.message(channel.id, threadTs);
  if (target && isReply(target) && target.threadTs) {
    ctx.note(`${ctx.method}: thread_ts ${threadTs} is a reply; use its parent's ts ${target.threadTs}`);
    return target.threadTs;
  }
  return threadTs;
}

/** Slack removes the assistant status when the app replies in the thread. */
export function clearStatus(ctx: MethodContext, channel: string, threadTs: string): void {
  ctx.surfaces.statuses.delete(threadKey(channel, threadTs));
}
