// The Microsoft Teams adapter on botbuilder's CloudAdapter: POST /api/messages on the shared HTTP
// server. The HTTP request is answered at once and the reply continues proactively, so a slow
// answer never makes Teams re-send the activity (re-sends are also deduplicated on the activity id
// in Redis). Every botbuilder import stays under adapters/teams/: it is the one part that would
// change if the project moved to the Microsoft 365 Agents SDK.
import type { IncomingMessage as HttpRequest, ServerResponse } from "node:http";
import type { TokenCredential } from "@azure/identity";
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from "botbuilder";
import type { Activity } from "botframework-schema";
import type { Core } from "../../src/app.js";
import type { TeamsConfig } from "../../src/config.js";
import type { ChangeRights, IncomingMessage } from "../../src/engine/types.js";
import type { Logger } from "../../src/log.js";
import { CaptureSink } from "../../src/reply/capture-sink.js";
import { systemClock } from "../../src/reply/clock.js";
import type { Clock, ReplySink } from "../../src/reply/types.js";
import type { HttpServer } from "../../src/server.js";
import { encodeThreadKey, type SettingsScopes, settingsScopes } from "../../src/store/keys.js";
import { recordFeedback as storeFeedback } from "../shared/feedback.js";
import { firstDelivery } from "../shared/first-delivery.js";
import { readBody, sendJson } from "../shared/http-io.js";
import { isThreadMarked, markThread } from "../shared/thread-marks.js";
import { applyBotbuilderFixes } from "./botbuilder-fixes.js";
import { TeamsConversation } from "./conversation.js";
import { feedbackFromInvoke } from "./feedback.js";
import { botCredentials, graphTeamOwnerCheck } from "./graph-owners.js";
import { TeamsPermissions } from "./permissions.js";
import { routeTeamsActivity, type TeamsTurn } from "./routing.js";
import { commandsFromSubmit, currentValues } from "./settings-card.js";
import { checkBotFrameworkToken } from "./startup-check.js";
import { TeamsStreamSink } from "./stream-sink.js";
import { TeamsUpdateSink } from "./update-sink.js";

/** Teams re-sends an activity when the bot is slow to answer; remember ids well past that. */
export const TEAMS_ACTIVITY_DEDUPE_TTL_S = 60 * 60;
const TEXT_ONLY_REPLY = "I can only read text for now: please type your question as a message.";
const NOTHING_CHANGED = "Nothing was changed.";
const UNAUTHENTICATED_ERRORS = new Set([
  "AuthenticationError",
  "JsonWebTokenError",
  "TokenExpiredError",
  "NotBeforeError",
]);

export interface TeamsAdapterOptions {
  core: Core;
  config: TeamsConfig;
  server: HttpServer;
  clock?: Clock;
  /** Multiplies Teams' pacing and rate windows (tests and benchmarks). */
  timeScale?: number;
  /** Extra ConfigurationBotFrameworkAuthentication settings (tests point the identity endpoints at a double). */
  authOverrides?: Record<string, string | boolean>;
  /** Microsoft Graph for team ownership (tests point it at a double with their own credential). */
  graph?: { url?: string; credential?: TokenCredential };
}

export interface TeamsAdapter {
  /**
   * Resolves once Microsoft Entra ID granted the bot's outbound Bot Framework token (at once
   * without an app id: nothing to check). Until then /readyz says "teams: …; retrying", and
   * activities are handled all the same: the check only reports, each reply gets its own token.
   * Rejects with StartupRefusedError when Entra ID refuses MicrosoftAppPassword, MicrosoftAppId or
   * MicrosoftAppTenantId for good.
   */
  ready: Promise<void>;
}

/** CloudAdapter with its activity entry point reachable, so the HTTP handling stays ours. */
class BotAdapter extends CloudAdapter {
  run(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>) {
    return this.processActivity(authHeader, activity, logic);
  }
}

export function startTeams(options: TeamsAdapterOptions): TeamsAdapter {
  const { core, config } = options;
  const log = core.logger.child({ platform: "teams" });
  const clock = options.clock ?? systemClock;
  if (!config.appId) {
    log.warn(
      "TEAMS AUTHENTICATION IS OFF: MicrosoftAppId is empty, so /api/messages accepts requests from anyone. Use this only with a local emulator.",
    );
  }
  applyBotbuilderFixes();
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.appId,
    MicrosoftAppPassword: config.appPassword ?? "",
    // Authentication off (an emulator): no app type applies, and botbuilder's single-tenant path
    // would look for the tokens of an empty tenant.
    MicrosoftAppType: config.appId ? config.appType : "MultiTenant",
    MicrosoftAppTenantId: config.tenantId ?? "",
    ...options.authOverrides,
  });
  const adapter = new BotAdapter(auth);
  // Do the credentials work? Asked now, so a wrong secret stops the start instead of every reply
  // failing later. Not asked with authentication off (an emulator): there is nothing to ask.
  const appId = config.appId;
  const ready = appId
    ? core.dependencies
        .connect("teams", () =>
          checkBotFrameworkToken({ auth, appId, appType: config.appType, secret: config.appPassword }),
        )
        .then(() => log.info({ auth: config.appType }, "Microsoft Entra ID granted the Bot Framework token"))
    : Promise.resolve();
  adapter.onTurnError = async (_context, err) => {
    log.error({ err }, "Teams turn failed");
  };
  // Team owners are found in Microsoft Graph with the bot's own identity; without an app id (an
  // emulator) there is none, and only TEAMS_SETTINGS_ADMINS may change channel settings.
  const graphCredential = options.graph?.credential;
  const ownerCheck =
    config.appId || graphCredential
      ? graphTeamOwnerCheck({
          credentialFor: graphCredential ? () => graphCredential : botCredentials(config),
          graphUrl: options.graph?.url,
          logger: log,
        })
      : undefined;
  const permissions = new TeamsPermissions(config.settingsAdmins, log, ownerCheck);
  // The reply goes on after the HTTP answer: in flight until done, so a shutdown waits for it.
  const background = (work: Promise<unknown>) => {
    void core.engine.track(work.catch((err: unknown) => log.error({ err }, "Teams reply failed")));
  };

  const conversationFor = (context: TurnContext) =>
    new TeamsConversation({
      adapter,
      appId: config.appId,
      reference: context.activity ? conversationReference(context.activity) : {},
      budgets: core.store,
      clock,
      logger: log,
      timeScale: options.timeScale,
    });

  const logic = async (context: TurnContext): Promise<void> => {
    const activity = context.activity;
    const decision = routeTeamsActivity(activity);
    if (decision.kind === "ignore") {
      log.trace({ reason: decision.reason, type: activity.type }, "Teams activity ignored");
      return;
    }
    // Teams activity ids are message timestamps, unique only within a conversation.
    const activityKey = `teams:activity:${activity.conversation?.id ?? ""}:${activity.id}`;
    if (activity.id && !(await firstDelivery(core.store, activityKey, TEAMS_ACTIVITY_DEDUPE_TTL_S, log))) {
      if (activity.type === "invoke") await invokeOk(context);
      return;
    }
    if (decision.kind === "feedback") {
      await recordFeedback(decision.turn, activity, decision.value).catch((err: unknown) =>
        log.error({ err }, "could not record Teams feedback"),
      );
      await invokeOk(context);
      return;
    }
    // The turn context is revoked once this handler returns: take what the reply needs now.
    const conversation = conversationFor(context);
    const fromId = activity.from?.id;
    const sink: ReplySink =
      decision.turn.kind === "personal"
        ? new TeamsStreamSink(conversation, clock, options.timeScale)
        : new TeamsUpdateSink(conversation, options.timeScale);
    // Answer the HTTP request now; the reply goes on proactively.
    background(
      (async () => {
        switch (decision.kind) {
          case "text_only":
            await sink.post(TEXT_ONLY_REPLY, true);
            return;
          case "settings_submit":
            await submitSettings(decision.turn, decision.values, fromId, conversation);
            return;
          case "answer_if_in_thread":
          case "answer":
            await answer(decision.turn, decision.kind === "answer_if_in_thread", fromId, sink);
            return;
        }
      })(),
    );
  };

  const answer = async (
    turn: TeamsTurn,
    onlyInThread: boolean,
    fromId: string | undefined,
    sink: ReplySink,
  ) => {
    const threadKey = threadKeyOf(turn);
    if (onlyInThread && !(await isThreadMarked(core.store, threadKey, log))) return;
    if (turn.kind === "channel") await markThread(core.store, threadKey, core.config.history.ttlSeconds, log);
    // The engine asks for the user's rights only for a change or the settings card (Graph lookups).
    await core.engine.handle(
      incoming(turn, threadKey, () => permissions.forTurn(turn, fromId)),
      sink,
    );
  };

  const submitSettings = async (
    turn: TeamsTurn,
    values: Record<string, unknown>,
    fromId: string | undefined,
    conversation: TeamsConversation,
  ) => {
    const shown = currentValues(await core.engine.effectiveSettings(scopesOf(turn)));
    const commands = commandsFromSubmit(values, shown);
    let lookup: Promise<ChangeRights> | undefined; // one lookup for the whole form, only if needed
    const rights = () => {
      lookup ??= permissions.forTurn(turn, fromId);
      return lookup;
    };
    const answers: string[] = [];
    for (const text of commands) {
      const capture = new CaptureSink();
      await core.engine.handle(incoming({ ...turn, text }, threadKeyOf(turn), rights), capture);
      answers.push(capture.text);
    }
    await conversation.send({
      type: "message",
      text: answers.length ? answers.join("\n\n") : NOTHING_CHANGED,
    });
  };

  const recordFeedback = async (turn: TeamsTurn, activity: Activity, value: unknown) => {
    const feedback = feedbackFromInvoke(value);
    if (!feedback) {
      log.warn("feedback invoke without a reaction; ignored");
      return;
    }
    await storeFeedback(
      { store: core.store, metrics: core.metrics, log },
      {
        platform: "teams",
        conversationScope: scopesOf(turn).conversationScope,
        threadKey: threadKeyOf(turn),
        messageId: activity.replyToId ?? activity.id ?? "unknown",
        userId: turn.userId,
        reaction: feedback.reaction,
        text: feedback.text,
        at: Date.now(),
      },
    );
  };

  options.server.route("POST", "/api/messages", (req, res) => handleHttp(req, res, adapter, logic, log));
  log.info({ auth: config.appId ? config.appType : "off" }, "Teams adapter started");
  return { ready };
}

function threadKeyOf(turn: TeamsTurn): string {
  return encodeThreadKey({
    platform: "teams",
    tenant: turn.tenantId,
    channel: turn.baseConversationId,
    thread: turn.thread,
  });
}

function scopesOf(turn: TeamsTurn): SettingsScopes {
  return settingsScopes("teams", turn.tenantId, turn.scopeId);
}

function incoming(turn: TeamsTurn, threadKey: string, rights: IncomingMessage["rights"]): IncomingMessage {
  return {
    id: `${turn.baseConversationId}:${turn.thread}:${Date.now()}`,
    platform: "teams",
    threadKey,
    ...scopesOf(turn),
    userId: turn.userId,
    text: turn.text,
    rights,
    where: {
      userIds: turn.userIds,
      channelId: turn.kind === "personal" ? undefined : turn.scopeId,
      teamIds: [turn.teamId, turn.teamAadGroupId].filter((id): id is string => Boolean(id)),
      direct: turn.kind === "personal",
    },
  };
}

function conversationReference(activity: Activity) {
  return {
    activityId: activity.id,
    user: activity.from,
    bot: activity.recipient,
    conversation: activity.conversation,
    channelId: activity.channelId,
    locale: activity.locale,
    serviceUrl: activity.serviceUrl,
  };
}

async function invokeOk(context: TurnContext): Promise<void> {
  await context.sendActivity({ type: "invokeResponse", value: { status: 200, body: {} } });
}

async function handleHttp(
  req: HttpRequest,
  res: ServerResponse,
  adapter: BotAdapter,
  logic: (context: TurnContext) => Promise<void>,
  log: Logger,
): Promise<void> {
  const raw = await readBody(req);
  if (raw === undefined) return sendJson(res, 413, { error: "body too large" });
  let activity: Activity;
  try {
    activity = JSON.parse(raw) as Activity;
  } catch {
    return sendJson(res, 400, { error: "malformed JSON" });
  }
  if (!activity || typeof activity !== "object" || typeof activity.type !== "string") {
    return sendJson(res, 400, { error: "missing activity type" });
  }
  const authHeader = String(req.headers.authorization ?? "");
  try {
    const invokeResponse = await adapter.run(authHeader, activity, logic);
    sendJson(res, invokeResponse?.status ?? 200, invokeResponse?.body);
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    // jsonwebtoken's own errors (a forged signature, an expired token) are authentication failures too.
    if (status === 401 || UNAUTHENTICATED_ERRORS.has((err as Error).name)) {
      log.warn({ reason: (err as Error).message }, "refused an unauthenticated Teams request");
      return sendJson(res, 401, { error: "unauthorized" });
    }
    log.error({ err }, "Teams activity handling failed");
    sendJson(res, 500, { error: "internal error" });
  }
}
