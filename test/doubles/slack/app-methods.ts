// auth.test, users.info, views.open, views.publish and the assistant.threads.* methods.
import { randomBytes } from "node:crypto";
import { LOADING_MESSAGES_MAX } from "./limits.js";
import {
  channelArg,
  fail,
  type Handler,
  isAnswer,
  type MethodContext,
  str,
  threadKey,
} from "./method-context.js";
import type { SlackUserConfig, Team } from "./workspace.js";

const authTest: Handler = ({ team }) => ({
  ok: true,
  url: `https://${team.teamId.toLowerCase()}.slack.com/`,
  team: team.teamName,
  user: "bot",
  team_id: team.teamId,
  user_id: team.botUserId,
  bot_id: team.botId,
  app_id: team.appId,
  is_enterprise_install: false,
});

const usersInfo: Handler = (ctx) => {
  const user = ctx.team.users.get(str(ctx.args, "user") ?? "");
  if (!user) return fail("user_not_found");
  return { ok: true, user: slackUser(user, ctx.team, ctx.args.include_locale === true) };
};

const setStatus: Handler = (ctx) => {
  const channel = channelArg(ctx, "channel_id");
  if (isAnswer(channel)) return channel;
  const threadTs = str(ctx.args, "thread_ts") ?? "";
  const status = typeof ctx.args.status === "string" ? ctx.args.status : "";
  const loading = ctx.args.loading_messages;
  if (Array.isArray(loading) && loading.length > LOADING_MESSAGES_MAX) {
    return fail("invalid_arguments", {
      response_metadata: { messages: ["[ERROR] too many loading_messages"] },
    });
  }
  const key = threadKey(channel.id, threadTs);
  // An empty status clears it.
  if (status === "") ctx.surfaces.statuses.delete(key);
  else ctx.surfaces.statuses.set(key, status);
  ctx.surfaces.statusLog.push({ channel: channel.id, threadTs, status, at: ctx.now });
  return { ok: true };
};

const setSuggestedPrompts: Handler = (ctx) => {
  const channel = channelArg(ctx, "channel_id");
  if (isAnswer(channel)) return channel;
  const key = threadKey(channel.id, str(ctx.args, "thread_ts") ?? "");
  ctx.surfaces.suggestedPrompts.set(key, { title: str(ctx.args, "title"), prompts: ctx.args.prompts });
  return { ok: true };
};

const setTitle: Handler = (ctx) => {
  const channel = channelArg(ctx, "channel_id");
  if (isAnswer(channel)) return channel;
  ctx.surfaces.titles.set(
    threadKey(channel.id, str(ctx.args, "thread_ts") ?? ""),
    str(ctx.args, "title") ?? "",
  );
  return { ok: true };
};

const viewsOpen: Handler = (ctx) => {
  const triggerId = str(ctx.args, "trigger_id") ?? str(ctx.args, "interactivity_pointer");
  if (!triggerId)
    return fail("invalid_arguments", { response_metadata: { messages: ["invalid `trigger_id`"] } });
  // A trigger opens one view.
  if (ctx.surfaces.usedTriggers.has(triggerId)) return fail("exchanged_trigger_id");
  ctx.surfaces.usedTriggers.add(triggerId);
  const view = storedView(ctx, ctx.args.view);
  ctx.surfaces.openedViews.push({ teamId: ctx.team.teamId, id: String(view.id), triggerId, view });
  return { ok: true, view };
};

const viewsPublish: Handler = (ctx) => {
  const userId = str(ctx.args, "user_id") ?? "";
  if (!ctx.team.users.has(userId)) {
    return fail("invalid_arguments", { response_metadata: { messages: ["invalid `user_id`"] } });
  }
  const view = storedView(ctx, ctx.args.view);
  ctx.surfaces.homeViews.set(`${ctx.team.teamId}/${userId}`, view);
  return { ok: true, view };
};

export const APP_METHODS: Record<string, Handler> = {
  "auth.test": authTest,
  "users.info": usersInfo,
  "assistant.threads.setStatus": setStatus,
  "assistant.threads.setSuggestedPrompts": setSuggestedPrompts,
  "assistant.threads.setTitle": setTitle,
  "views.open": viewsOpen,
  "views.publish": viewsPublish,
};

/** The view as Slack echoes it back (views.open / views.publish examples). */
function storedView(ctx: MethodContext, view: unknown): Record<string, unknown> {
  const given = typeof view === "object" && view !== null ? (view as Record<string, unknown>) : {};
  const id = `V${randomBytes(5).toString("hex").toUpperCase()}`;
  return {
    id,
    team_id: ctx.team.teamId,
    ...given,
    blocks: Array.isArray(given.blocks) ? given.blocks : [],
    private_metadata: given.private_metadata ?? "",
    callback_id: given.callback_id ?? "",
    external_id: given.external_id ?? "",
    state: { values: {} },
    hash: `${Math.floor(ctx.now / 1_000)}.${randomBytes(4).toString("hex")}`,
    clear_on_close: given.clear_on_close ?? false,
    notify_on_close: given.notify_on_close ?? false,
    root_view_id: id,
    previous_view_id: null,
    app_id: ctx.team.appId,
    bot_id: ctx.team.botId,
  };
}

/** The users.info example's shape. */
function slackUser(user: SlackUserConfig, team: Team, withLocale: boolean): Record<string, unknown> {
  const realName = user.realName ?? user.name;
  return {
    id: user.id,
    team_id: team.teamId,
    name: user.name,
    deleted: user.deleted ?? false,
    real_name: realName,
    tz: user.tz ?? "Europe/London",
    tz_label: "Greenwich Mean Time",
    tz_offset: 0,
    profile: {
      real_name: realName,
      display_name: user.name,
      real_name_normalized: realName,
      display_name_normalized: user.name,
      team: team.teamId,
    },
    is_admin: user.isAdmin ?? false,
    is_owner: user.isOwner ?? false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.isBot ?? false,
    is_app_user: false,
    updated: 1_700_000_000,
    ...(withLocale ? { locale: "en-US" } : {}),
  };
}
