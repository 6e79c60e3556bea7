// The Slack adapter: a Bolt App on the shared HTTP server (or Socket Mode) that turns mentions,
// DMs and thread follow-ups into IncomingMessages for the engine, carries the settings slash
// command, and records feedback. Every Slack-specific decision lives under adapters/slack/.
import { App, type Receiver, SocketModeReceiver } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import type { Core } from "../../src/app.js";
import { parseCommand } from "../../src/commands/parse.js";
import type { SlackConfig } from "../../src/config.js";
import { StartupRefusedError } from "../../src/dependencies.js";
import type { IncomingMessage } from "../../src/engine/types.js";
import { CaptureSink } from "../../src/reply/capture-sink.js";
import { systemClock } from "../../src/reply/clock.js";
import type { Clock } from "../../src/reply/types.js";
import type { HttpServer } from "../../src/server.js";
import { encodeThreadKey, settingsScopes } from "../../src/store/keys.js";
import { recordFeedback } from "../shared/feedback.js";
import { firstDelivery } from "../shared/first-delivery.js";
import { isThreadMarked, markThread } from "../shared/thread-marks.js";
import { handleAgentEvents } from "./agent-events.js";
import { AgentFeatures } from "./agent-features.js";
import { AgentSession } from "./agent-session.js";
import { SlackApi } from "./api.js";
import { boltLogger } from "./bolt-logger.js";
import { SlackHttpReceiver } from "./http-receiver.js";
import { markdownToMrkdwn } from "./mrkdwn.js";
import { SlackPermissions } from "./permissions.js";
import { SlackRateLimiter } from "./rate-limiter.js";
import { type BotIdentity, routeSlackEvent, type SlackMessageEvent, type SlackTurn } from "./routing.js";
import { FEEDBACK_ACTION_ID, SlackReplySink } from "./sink.js";
import { handleSummarizeShortcut } from "./summarize-shortcut.js";
import { loadThreadContext } from "./thread-context.js";
import {
  type ReadResult,
  readViewedConversation,
  refersToViewed,
  viewingFor,
} from "./viewed-conversation.js";

/** Slack retries an event for up to about an hour (immediately, after 1 min, after 5 min); remember ids longer. */
export const SLACK_EVENT_DEDUPE_TTL_S = 2 * 60 * 60;
/** A slash command answered within this time goes back in the acknowledgement itself. */
const COMMAND_INLINE_ANSWER_MS = 2_000;
const TEXT_ONLY_REPLY = "I can only read text for now: please type your question as a message.";
const SLASH_USAGE = (command: string) =>
  `\`${command}\` changes my settings: \`${command} settings\`, \`${command} settings set <key> <value>\`, \`${command} settings reset [key]\`, \`${command} settings history\`, \`${command} usage\`, \`${command} forget\`, \`${command} help\`. To ask me something, mention me in a channel or write to me directly.`;
const CHANNEL_FORGET_HINT =
  "In a channel every thread is its own conversation: mention me with `forget` inside the thread you want me to forget.";

export interface SlackAdapterOptions {
  core: Core;
  config: SlackConfig;
  /** The shared HTTP server (HTTP mode); unused in Socket Mode. */
  server?: HttpServer;
  clock?: Clock;
  /** Multiplies Slack's rate windows (tests and benchmarks). */
  rateTimeScale?: number;
}

export interface SlackAdapter {
  /**
   * Resolves once Slack answered auth.test and events are handled. Until then Slack's requests get
   * 503 (Slack sends them again) and /readyz says why. Rejects with StartupRefusedError when
   * Slack refuses the token.
   */
  ready: Promise<{ app: App; bot: SlackBot }>;
  stop(): Promise<void>;
}

/** auth.test errors that no retry can mend: the token is wrong, revoked or of the wrong kind. */
const REFUSED_TOKEN_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "not_allowed_token_type",
  "no_permission",
]);

/** Who the bot is in this workspace: auth.test, with its definite refusals told apart from outages. */
async function whoAmI(client: WebClient, config: SlackConfig): Promise<SlackBot> {
  let auth: { user_id?: string; bot_id?: string; team_id?: string; url?: string };
  try {
    auth = (await client.auth.test()) as typeof auth;
  } catch (err) {
    const code = (err as { data?: { error?: unknown } }).data?.error;
    if (typeof code === "string" && REFUSED_TOKEN_ERRORS.has(code)) {
      throw new StartupRefusedError(
        "SLACK_BOT_TOKEN",
        `Slack refused SLACK_BOT_TOKEN (auth.test: ${code}): copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page`,
        { cause: err },
      );
    }
    throw new Error(`Slack auth.test failed: ${typeof code === "string" ? code : (err as Error).message}`, {
      cause: err,
    });
  }
  if (!auth.user_id)
    throw new StartupRefusedError(
      "SLACK_BOT_TOKEN",
      "Slack auth.test gave no bot user id: SLACK_BOT_TOKEN must be a bot token (xoxb-…)",
    );
  return {
    botUserId: auth.user_id,
    botId: auth.bot_id,
    allowedBots: config.allowedBots,
    dmThreads: config.agentView,
    teamId: auth.team_id ?? "",
    workspaceUrl: auth.url ?? "https://slack.com/",
  };
}

/** Who the bot is, and its workspace's address (for message permalinks). */
type SlackBot = BotIdentity & { teamId: string; workspaceUrl: string };

export function startSlack(options: SlackAdapterOptions): SlackAdapter {
  const { core, config } = options;
  const log = core.logger.child({ platform: "slack" });
  const clock = options.clock ?? systemClock;
  const slackLog = boltLogger(log);
  // Our own client with no retries of its own: the rate limiter and ReplyStream decide when to try
  // again (a second, blind retry of chat.postMessage could post a message twice).
  const client = new WebClient(config.botToken, {
    slackApiUrl: config.apiUrl,
    logger: slackLog,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 15_000,
  });
  const receiver: Receiver = config.appToken
    ? new SocketModeReceiver({
        appToken: config.appToken,
        logger: slackLog,
        installerOptions: { clientOptions: { slackApiUrl: config.apiUrl } },
      })
    : new SlackHttpReceiver({ signingSecret: config.signingSecret ?? "", logger: log });
  // The route answers from the start: url_verification at once, events 503 until Bolt runs.
  if (options.server && receiver instanceof SlackHttpReceiver)
    options.server.route("POST", "/slack/events", receiver.handle);
  let started: App | undefined;
  const ready = core.dependencies
    .connect("slack", () => whoAmI(client, config))
    .then(async (bot) => {
      started = await listen(bot);
      return { app: started, bot };
    });
  return {
    ready,
    async stop() {
      await started?.stop();
    },
  };

  /** Bolt with every listener, once the bot knows who it is. */
  async function listen(bot: SlackBot): Promise<App> {
    const limiter = new SlackRateLimiter(core.store, { timeScale: options.rateTimeScale, clock });
    const apis = new Map<string, SlackApi>();
    const apiFor = (teamId: string) => {
      const known = apis.get(teamId);
      if (known) return known;
      const api = new SlackApi(client, limiter, teamId, log);
      apis.set(teamId, api);
      return api;
    };
    const permissions = new SlackPermissions(config.settingsAdmins);
    const features = new AgentFeatures(log);
    const app = new App({
      token: config.botToken,
      botUserId: bot.botUserId,
      botId: bot.botId,
      receiver,
      logger: slackLog,
      clientOptions: { slackApiUrl: config.apiUrl },
      convoStore: false,
      tokenVerificationEnabled: false, // auth.test already answered above
    });
    // Both receivers hand every request to processEvent, where Bolt acks events: from then on Slack
    // will not send them again, so each counts as in flight until all its listeners are done.
    const processEvent = app.processEvent.bind(app);
    app.processEvent = (event) => core.engine.track(processEvent(event));

    // A retried or re-delivered event never gives a second reply, across processes too.
    app.use(async ({ body, next }) => {
      const eventId = (body as { event_id?: unknown }).event_id;
      if (
        typeof eventId === "string" &&
        !(await firstDelivery(core.store, `slack:event:${eventId}`, SLACK_EVENT_DEDUPE_TTL_S, log))
      ) {
        return;
      }
      await next();
    });

    const onMessage = async (
      event: SlackMessageEvent & { team?: string; user_team?: string },
      teamId: string,
    ) => {
      const decision = routeSlackEvent(event, teamId, bot);
      if (decision.kind === "ignore") {
        log.trace({ reason: decision.reason, ts: event.ts }, "Slack event ignored");
        return;
      }
      const { turn } = decision;
      const threadKey = encodeThreadKey({
        platform: "slack",
        tenant: teamId,
        channel: turn.channel,
        thread: turn.thread,
      });
      const api = apiFor(teamId);
      const target = {
        channel: turn.channel,
        threadTs: turn.replyThreadTs,
        recipientUserId: turn.userId,
        recipientTeamId: event.user_team ?? event.team ?? teamId,
      };
      const marked = await isThreadMarked(core.store, threadKey, log);
      if (decision.kind === "answer_if_in_thread" && !marked) return;
      const session =
        config.agentView && turn.replyThreadTs
          ? new AgentSession(
              { api, features, notes: core.store, log },
              {
                channel: turn.channel,
                threadTs: turn.replyThreadTs,
                threadKey,
                userId: turn.userId,
                question: turn.text,
                newThread: !marked,
              },
            )
          : undefined;
      const sink = new SlackReplySink(api, target, {
        mode: config.streaming,
        logger: log.child({ thread: threadKey }),
        timeScale: options.rateTimeScale,
        clock,
        session: decision.kind === "text_only" ? undefined : session,
      });
      if (decision.kind === "text_only") {
        await sink
          .post(TEXT_ONLY_REPLY, true)
          .catch((err: unknown) => log.warn({ err }, "could not post the text-only reply"));
        return;
      }
      const priorContext =
        turn.inExistingThread && !marked && turn.replyThreadTs
          ? await loadThreadContext(api, turn.channel, turn.replyThreadTs, turn.messageTs, bot).catch(
              (err: unknown) => {
                log.warn({ err }, "could not read the earlier thread messages; answering without them");
                return [];
              },
            )
          : undefined;
      // "Summarize this" in the agent view: the conversation the user is looking at, if they may.
      const viewed =
        config.agentView && turn.isDm && !parseCommand(turn.text) && refersToViewed(turn.text)
          ? await readViewed(api, turn.userId)
          : undefined;
      if (viewed && "refusal" in viewed) {
        await sink
          .post(viewed.refusal, true)
          .catch((err: unknown) => log.warn({ err }, "could not say that the conversation cannot be read"));
        return;
      }
      await markThread(core.store, threadKey, core.config.history.ttlSeconds, log);
      const rights = rightsOf(api, turn.userId, turn.isDm);
      const message = incoming(turn, threadKey, rights, priorContext);
      if (viewed) message.aboutConversation = viewed.excerpt;
      try {
        await core.engine.handle(message, sink);
      } finally {
        // However the turn ended, its session does not stay in processing (a no-op when it left).
        await session?.finish();
      }
    };

    /** The conversation the user looks at (app_context_changed), read if they may see it. */
    const readViewed = async (api: SlackApi, userId: string): Promise<ReadResult | undefined> => {
      const viewing = await viewingFor(core.store, api.teamId, userId).catch((err: unknown) => {
        log.warn({ err }, "could not read what the user is looking at; answering without it");
        return undefined;
      });
      if (!viewing) return undefined;
      return readViewedConversation(api, { viewing, userId, workspaceUrl: bot.workspaceUrl, bot }, log);
    };

    /** The engine asks only when a command changes something: one users.info lookup, cached. */
    const rightsOf =
      (api: SlackApi, userId: string, isDm: boolean): IncomingMessage["rights"] =>
      () =>
        permissions.forUser(api, userId, isDm).catch((err: unknown) => {
          log.warn({ err }, "could not look up the user's role; treating them as a member");
          return { conversation: isDm, workspace: false };
        });

    app.event("app_mention", async ({ event, body }) => {
      await onMessage(event, String(body.team_id));
    });
    app.event("message", async ({ event, body }) => {
      await onMessage(event, String(body.team_id));
    });

    handleAgentEvents(app, { core, apiFor, features, log });
    handleSummarizeShortcut(app, { core, apiFor, bot, log });

    app.command(config.command, async ({ command, ack }) => {
      const text = command.text.trim() || "help";
      const isDm = command.channel_id.startsWith("D");
      const respond = async (markdown: string, inline: boolean) => {
        const mrkdwn = markdownToMrkdwn(markdown);
        if (inline) return ack({ response_type: "ephemeral", text: mrkdwn });
        await apiFor(command.team_id).call("chat.postEphemeral", {
          channel: command.channel_id,
          user: command.user_id,
          text: mrkdwn,
        });
      };

      const work = (async () => {
        const sink = new CaptureSink();
        const rights = rightsOf(apiFor(command.team_id), command.user_id, isDm);
        const turn: SlackTurn = {
          teamId: command.team_id,
          channel: command.channel_id,
          replyThreadTs: undefined,
          thread: isDm ? "dm" : "channel",
          userId: command.user_id,
          messageTs: command.trigger_id,
          text,
          isDm,
          inExistingThread: false,
        };
        const threadKey = encodeThreadKey({
          platform: "slack",
          tenant: command.team_id,
          channel: command.channel_id,
          thread: turn.thread,
        });
        const message = incoming(turn, threadKey, rights, undefined);
        // A slash command in a channel is in no thread: there is nothing `forget` could clear.
        if (!isDm) message.forgetHint = CHANNEL_FORGET_HINT;
        const outcome = await core.engine.handle(message, sink, { commandsOnly: true });
        return outcome === "not_a_command" ? SLASH_USAGE(config.command) : sink.text;
      })();
      const inline = await Promise.race([work, clock.sleep(COMMAND_INLINE_ANSWER_MS).then(() => undefined)]);
      if (inline !== undefined) return respond(inline, true);
      await ack();
      await respond(await work, false);
    });

    app.action({ action_id: FEEDBACK_ACTION_ID }, async ({ ack, body, action }) => {
      await ack();
      const b = body as {
        user?: { id?: string };
        team?: { id?: string } | null;
        channel?: { id?: string };
        message?: { ts?: string; thread_ts?: string; text?: string };
      };
      const value = (action as { value?: string }).value;
      const teamId = b.team?.id ?? bot.teamId;
      const channel = b.channel?.id;
      const ts = b.message?.ts;
      if (!channel || !ts || !b.user?.id || (value !== "positive" && value !== "negative")) {
        log.warn({ value }, "feedback click without the fields it needs; ignored");
        return;
      }
      const thread = b.message?.thread_ts ?? (channel.startsWith("D") ? "dm" : ts);
      await recordFeedback(
        { store: core.store, metrics: core.metrics, log },
        {
          platform: "slack",
          conversationScope: settingsScopes("slack", teamId, channel).conversationScope,
          threadKey: encodeThreadKey({ platform: "slack", tenant: teamId, channel, thread }),
          messageId: ts,
          userId: b.user.id,
          reaction: value,
          text: b.message?.text,
          at: Date.now(),
        },
      );
    });

    app.error(async (err) => {
      log.error({ err }, "Slack listener failed");
    });

    await app.start();
    log.info(
      { mode: config.appToken ? "socket" : "http", botUserId: bot.botUserId, streaming: config.streaming },
      "Slack adapter started",
    );
    return app;
  }
}

function incoming(
  turn: SlackTurn,
  threadKey: string,
  rights: IncomingMessage["rights"],
  priorContext: IncomingMessage["priorContext"],
): IncomingMessage {
  return {
    id: turn.messageTs,
    platform: "slack",
    threadKey,
    ...settingsScopes("slack", turn.teamId, turn.channel),
    userId: turn.userId,
    text: turn.text,
    priorContext,
    rights,
    where: { userIds: [turn.userId], channelId: turn.channel, direct: turn.isDm },
  };
}
