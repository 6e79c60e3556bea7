// Agent sessions (agents.sessions.setStatus, agents.sessions.rename): one session per thread,
// created by the first setStatus (its `title` and `initiator_user_id` count only then), with the
// status Slack shows (processing: the Stop button). chat.stopStream's `session_status` moves it too.
// A user's stop or rename happens on the double (SlackDouble.stopSession / renameSession), which
// returns the event Slack would send. Docs: specs/slack/docs.slack.dev/methods/agents.sessions.*.
import {
  channelArg,
  fail,
  type Handler,
  isAnswer,
  type MethodContext,
  str,
  threadKey,
} from "./method-context.js";

export type SessionStatus = "active" | "processing" | "suspended" | "closed";
const STATUSES = new Set<string>(["active", "processing", "suspended", "closed"]);
/** agents.sessions.rename: "New title for the agent session (1-200 characters)". */
const TITLE_MAX_CHARS = 200;

export interface AgentSession {
  channel: string;
  threadTs: string;
  status: SessionStatus;
  title?: string;
  initiatorUserId?: string;
  /** Who set the title last: the app (rename, or setStatus on creation) or a user in Slack. */
  titledBy?: "app" | "user";
}

export interface SessionChange {
  channel: string;
  threadTs: string;
  status?: SessionStatus;
  title?: string;
  by: "app" | "user";
  at: number;
}

const setSessionStatus: Handler = (ctx) => {
  const channel = channelArg(ctx, "channel_id");
  if (isAnswer(channel)) return channel;
  const threadTs = str(ctx.args, "thread_ts");
  if (!threadTs) return fail("thread_ts_required");
  const status = String(ctx.args.status ?? "");
  if (!STATUSES.has(status)) return fail("invalid_status");
  const initiator = str(ctx.args, "initiator_user_id");
  // The initiator is a user of the channel's workspace (another one of the org for an org-wide token).
  const users = ctx.workspace.teams.get(channel.teamId)?.users ?? ctx.team.users;
  if (initiator && !users.has(initiator)) return fail("user_not_found");
  const key = threadKey(channel.id, threadTs);
  let session = ctx.surfaces.sessions.get(key);
  if (!session) {
    const title = str(ctx.args, "title");
    if (title !== undefined && title.length > TITLE_MAX_CHARS) return fail("invalid_arguments");
    session = {
      channel: channel.id,
      threadTs,
      status: status as SessionStatus,
      ...(title ? { title, titledBy: "app" as const } : {}),
      initiatorUserId: initiator,
    };
    ctx.surfaces.sessions.set(key, session);
  }
  // "Only used when creating a new session; ignored if the session already exists."
  session.status = status as SessionStatus;
  logChange(ctx, { channel: channel.id, threadTs, status: session.status, by: "app" });
  // The docs' example answer: the status (twice) and the session's title, when it has one.
  return {
    ok: true,
    status: session.status,
    agent_status: session.status,
    ...(session.title ? { title: session.title } : {}),
  };
};

const renameSession: Handler = (ctx) => {
  const channel = channelArg(ctx, "channel_id");
  if (isAnswer(channel)) return channel;
  const threadTs = str(ctx.args, "thread_ts");
  if (!threadTs) return fail("thread_ts_required");
  const session = ctx.surfaces.sessions.get(threadKey(channel.id, threadTs));
  if (!session) return fail("session_not_found");
  const title = String(ctx.args.title ?? "");
  if (title.length < 1 || title.length > TITLE_MAX_CHARS) return fail("invalid_name");
  session.title = title;
  session.titledBy = "app";
  logChange(ctx, { channel: channel.id, threadTs, title, by: "app" });
  return { ok: true, title };
};

export const AGENT_METHODS: Record<string, Handler> = {
  "agents.sessions.setStatus": setSessionStatus,
  "agents.sessions.rename": renameSession,
};

/** chat.stopStream's session_status: the stopped stream's thread session takes that status. */
export function setStatusOnStop(ctx: MethodContext, channel: string, threadTs: string | undefined): void {
  const status = str(ctx.args, "session_status");
  if (!status || !threadTs) return;
  const session = ctx.surfaces.sessions.get(threadKey(channel, threadTs));
  if (!session || !STATUSES.has(status)) return;
  session.status = status as SessionStatus;
  logChange(ctx, { channel, threadTs, status: session.status, by: "app" });
}

function logChange(ctx: MethodContext, change: Omit<SessionChange, "at">): void {
  ctx.surfaces.sessionLog.push({ ...change, at: ctx.now });
}
