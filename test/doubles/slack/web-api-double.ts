// A real HTTP test double of Slack's Web API. Point @slack/web-api at it with
// `new WebClient(token, { slackApiUrl: double.url })`. It models workspaces, channels and messages
// (what a Slack user would see), native streaming with expiry, size limits and rate tiers, checks
// every call against Slack's method docs (../shared/specs/slack), and records calls and violations.
//
// Wire facts: POST /api/<method>, form-encoded (what @slack/web-api 8 always sends) or JSON bodies
// (only where the docs say json_input_supported); the token in `Authorization: Bearer`, or a `token`
// argument of a form body; every answer is HTTP 200 with `{ok:false, error}` on failure, except rate
// limiting: HTTP 429, `Retry-After: <whole seconds>`, body {ok:false,error:"ratelimited"} (what
// WebClient reads: it parses Retry-After and throws WebAPIRateLimitedError when
// rejectRateLimitedCalls is set, else pauses its queue and retries).
//
// timeScale multiplies every rate window (0.05: Tier 3's minute becomes 3 s). Retry-After is scaled
// with it but never below 1 s, as Slack sends whole seconds: under timeScale the bot must still cope
// with a Retry-After of at least one second.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { AGENT_METHODS } from "./agent-methods.js";
import { APP_METHODS } from "./app-methods.js";
import { CONVERSATION_METHODS } from "./conversation-methods.js";
import { DEFAULT_TEAM } from "./defaults.js";
import type {
  FailOptions,
  RecordedCall,
  SeedMessage,
  SlackDouble,
  SlackDoubleOptions,
  SlackSpecViolation,
} from "./double-types.js";
import { STREAM_LIFETIME_MS } from "./limits.js";
import { MESSAGE_METHODS } from "./message-methods.js";
import {
  type Answer,
  fail,
  type Handler,
  type MethodContext,
  type Settings,
  type Surfaces,
  threadKey,
} from "./method-context.js";
import { SlackMethodSpecs } from "./method-spec.js";
import { DEFAULT_RATE_RULES, type RateRule, SlidingWindowLimiter } from "./rate-limiter.js";
import { bearer, parseArguments, readBody, stringArg } from "./request-parsing.js";
import { ResponseUrls } from "./response-urls.js";
import { STREAM_METHODS } from "./stream-methods.js";
import { refreshStream } from "./stream-state.js";
import {
  type ChannelConfig,
  type StoredMessage,
  type TeamConfig,
  visible,
  visibleTextOf,
  Workspace,
} from "./workspace.js";

export { DEFAULT_TEAM } from "./defaults.js";
export type {
  FailOptions,
  RecordedCall,
  SeedMessage,
  SlackDouble,
  SlackDoubleOptions,
  SlackSpecViolation,
} from "./double-types.js";
export type { RateRule } from "./rate-limiter.js";
export type { SlackUserConfig, TeamConfig, VisibleMessage } from "./workspace.js";

const HANDLERS: Record<string, Handler> = {
  ...MESSAGE_METHODS,
  ...CONVERSATION_METHODS,
  ...STREAM_METHODS,
  ...APP_METHODS,
  ...AGENT_METHODS,
};
export const MODELLED_METHODS = Object.keys(HANDLERS);

interface PendingFailure {
  error: string;
  remaining: number;
  status: number;
  retryAfterSeconds: number;
}

export async function startSlackDouble(options: SlackDoubleOptions = {}): Promise<SlackDouble> {
  const now = options.now ?? Date.now;
  const specs = new SlackMethodSpecs(MODELLED_METHODS);
  const workspace = new Workspace();
  for (const team of options.teams ?? [DEFAULT_TEAM]) workspace.addTeam(team);
  const rules: Record<string, RateRule> = { ...DEFAULT_RATE_RULES };
  for (const [method, rule] of Object.entries(options.rateLimits ?? {})) {
    if (rule === null) delete rules[method];
    else rules[method] = rule;
  }
  const limiter = new SlidingWindowLimiter(rules, options.timeScale ?? 1, now);
  const settings: Settings = {
    strictChannels: options.strictChannels ?? false,
    streamLifetimeMs: options.streamExpiryMs ?? STREAM_LIFETIME_MS,
    streamIdleMs: options.streamIdleExpiryMs,
    streamingUnavailable: new Map(Object.entries(options.streamingUnavailable ?? {})),
  };
  const surfaces: Surfaces = {
    statuses: new Map(),
    statusLog: [],
    suggestedPrompts: new Map(),
    titles: new Map(),
    openedViews: [],
    homeViews: new Map(),
    usedTriggers: new Set(),
    sessions: new Map(),
    sessionLog: [],
  };
  const failures = new Map<string, PendingFailure[]>();
  const latency = new Map<string, number>();
  const record = options.record ?? true;

  const double = {
    url: "",
    calls: [] as RecordedCall[],
    specViolations: [] as SlackSpecViolation[],
    rateLimited: {} as Record<string, number>,
  };

  function violation(
    method: string,
    direction: "request" | "response",
    errors: string[],
    payload: unknown,
  ): void {
    double.specViolations.push({ method, direction, errors, payload });
  }

  function takeFailure(method: string): PendingFailure | undefined {
    for (const key of [method, "*"]) {
      const queue = failures.get(key);
      const next = queue?.[0];
      if (!queue || !next) continue;
      next.remaining -= 1;
      if (next.remaining <= 0) queue.shift();
      return next;
    }
    return undefined;
  }

  async function answer(
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; call: RecordedCall }> {
    const started = now();
    const url = new URL(req.url ?? "/", "http://double.invalid");
    const method = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname)?.[1] ?? "";
    const call: RecordedCall = {
      method,
      args: {},
      bodyKind: "query",
      team: undefined,
      time: started,
      status: 200,
      body: {},
    };
    const done = (body: Answer, status = 200, headers: Record<string, string> = {}) => {
      call.status = status;
      call.body = body;
      return { status, headers, call };
    };

    const parsed = parseArguments(url, req.headers["content-type"], await readBody(req));
    call.bodyKind = parsed.kind;
    const { token: _token, ...rawArgs } = parsed.args;
    call.args = rawArgs;
    const delay = latency.get(method) ?? latency.get("*") ?? latencyFor(options.latencyMs, method);
    if (delay > 0) await sleep(delay);
    if (parsed.error) {
      violation(method, "request", [parsed.error], parsed.args);
      return done(fail("invalid_form_data"));
    }
    if (!specs.has(method)) {
      violation(
        method,
        "request",
        [`${method || url.pathname}: not a method the double models`],
        parsed.args,
      );
      return done(fail("unknown_method"));
    }
    if (parsed.kind === "json" && !specs.acceptsJson(method)) {
      violation(
        method,
        "request",
        [`${method} does not accept JSON bodies (no json_input_supported in its docs)`],
        parsed.args,
      );
      return done(fail("invalid_arguments"));
    }

    const token =
      bearer(req.headers.authorization) ??
      (parsed.kind === "json" ? undefined : stringArg(parsed.args.token));
    if (!token) return done(fail("not_authed"));
    const team = workspace.teamForToken(token);
    if (!team) return done(fail("invalid_auth"));
    call.team = team.teamId;

    const injected = takeFailure(method);
    if (injected) {
      if (injected.status === 429) {
        double.rateLimited[method] = (double.rateLimited[method] ?? 0) + 1;
        return done(fail("ratelimited"), 429, { "retry-after": String(injected.retryAfterSeconds) });
      }
      endInjectedStream(method, injected.error, parsed.args);
      return done(fail(injected.error), injected.status);
    }

    if (options.rateLimiting !== false) {
      const channelId = stringArg(parsed.args.channel);
      // An org-wide token acts in the workspace of the channel it names.
      const channelTeam = channelId === undefined ? undefined : workspace.channels.get(channelId)?.teamId;
      const actingTeam =
        channelTeam !== undefined && workspace.sameOrg(channelTeam, team) ? channelTeam : team.teamId;
      const decision = limiter.admit(method, actingTeam, channelId);
      if (!decision.allowed) {
        double.rateLimited[method] = (double.rateLimited[method] ?? 0) + 1;
        return done(fail("ratelimited"), 429, { "retry-after": String(decision.retryAfterSeconds) });
      }
    }

    const checked = specs.checkArgs(method, parsed.args, parsed.kind);
    call.args = checked.args;
    if (checked.warnings.length > 0) violation(method, "request", checked.warnings, checked.args);
    if (checked.errors.length > 0) {
      violation(method, "request", checked.errors, checked.args);
      const messages = checked.errors.map((e) => `[ERROR] ${e}`);
      return done(fail("invalid_arguments", { response_metadata: { messages } }));
    }

    const handler = HANDLERS[method];
    if (!handler) return done(fail("unknown_method"));
    const ctx: MethodContext = {
      method,
      team,
      args: checked.args,
      malformed: checked.malformed,
      now: now(),
      workspace,
      surfaces,
      settings,
      note: (problem) => violation(method, "request", [problem], checked.args),
    };
    const result = handler(ctx);
    if (result.ok) {
      const errors = specs.checkOutput(method, result);
      if (errors.length > 0) violation(method, "response", errors, result);
    }
    return done(result);
  }

  /**
   * An injected answer that says a stream is over leaves it over, as Slack would: the message stops
   * streaming (message_not_in_streaming_state: expired; stopped_by_user: the user's stop), so what
   * the bot does next (chat.update, or nothing) meets the state the answer described.
   */
  function endInjectedStream(method: string, error: string, args: Record<string, unknown>): void {
    if (method !== "chat.appendStream" && method !== "chat.stopStream") return;
    const stream = workspace.message(stringArg(args.channel) ?? "", stringArg(args.ts) ?? "")?.stream;
    if (stream?.state !== "streaming") return;
    if (error === "message_not_in_streaming_state") stream.state = "expired";
    if (error === "stopped_by_user") {
      stream.stoppedByUser = true;
      stream.state = "stopped";
    }
  }

  const responseUrls = new ResponseUrls(workspace, now);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const response = /^\/response\/([0-9a-f]+)$/.exec(req.url ?? "")?.[1];
    if (response !== undefined && req.method === "POST") {
      readBody(req).then((body) => {
        const answer = responseUrls.handle(response, body);
        res.writeHead(answer.status, { "content-type": "text/plain" });
        res.end(answer.body);
      });
      return;
    }
    answer(req).then(
      ({ status, headers, call }) => {
        if (record) double.calls.push(call);
        res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
        res.end(JSON.stringify(call.body));
      },
      (error: unknown) => {
        violation(req.url ?? "", "response", [`the double failed: ${String(error)}`], undefined);
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`slack double failed: ${error instanceof Error ? error.stack : String(error)}`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;

  const stored = (channel: string, ts: string): StoredMessage | undefined => {
    const message = workspace.message(channel, ts);
    if (message) refreshStream(message, settings, now());
    return message;
  };

  const api: SlackDouble = Object.assign(double, {
    surfaces,
    addTeam(config: TeamConfig) {
      workspace.addTeam(config);
    },
    addChannel(id: string, config: Partial<ChannelConfig> = {}) {
      workspace.addChannel(id, { teamId: config.teamId ?? firstTeamId(workspace), ...config });
    },
    seedMessage(seed: SeedMessage): string {
      const teamId = seed.teamId ?? workspace.channels.get(seed.channel)?.teamId ?? firstTeamId(workspace);
      const channel = workspace.channels.get(seed.channel) ?? workspace.addChannel(seed.channel, { teamId });
      const ts = seed.ts ?? workspace.nextTs(channel, now());
      workspace.insert({
        channel: seed.channel,
        ts,
        threadTs: seed.threadTs,
        teamId,
        user: seed.user,
        botId: seed.botId,
        subtype: seed.subtype,
        text: seed.text ?? "",
        blocks: seed.blocks,
        deleted: false,
        reactions: [],
      });
      return ts;
    },
    thread(channel: string, threadTs: string) {
      return workspace.threadMessages(channel, threadTs).map((m) => visible(stored(m.channel, m.ts) ?? m));
    },
    channelMessages(channel: string) {
      return workspace.channelMessages(channel).map((m) => visible(stored(m.channel, m.ts) ?? m));
    },
    visibleText(channel: string, ts: string) {
      const message = stored(channel, ts);
      return message ? visibleTextOf(message) : undefined;
    },
    message: stored,
    ephemerals(channel?: string) {
      return workspace.ephemerals.filter((e) => channel === undefined || e.channel === channel);
    },
    status(channel: string, threadTs: string) {
      return surfaces.statuses.get(threadKey(channel, threadTs));
    },
    expireStream(channel: string, ts: string) {
      const stream = workspace.message(channel, ts)?.stream;
      if (!stream) throw new Error(`no streamed message ${channel}/${ts}`);
      if (stream.state === "streaming") stream.state = "expired";
    },
    stopStreamAsUser(channel: string, ts: string) {
      const stream = workspace.message(channel, ts)?.stream;
      if (!stream) throw new Error(`no streamed message ${channel}/${ts}`);
      stream.stoppedByUser = true;
      stream.state = "stopped";
    },
    stopSession(channel: string, threadTs: string, user: string) {
      const stopped: string[] = [];
      for (const message of workspace.threadMessages(channel, threadTs)) {
        const stream = stored(channel, message.ts)?.stream;
        if (stream?.state !== "streaming") continue;
        stream.stoppedByUser = true;
        stream.state = "stopped";
        stopped.push(message.ts);
      }
      return {
        type: "agent_session_stopped" as const,
        channel,
        user,
        thread_ts: threadTs,
        streaming_message_ts: stopped,
        event_ts: `${Math.floor(now() / 1_000)}.000100`,
      };
    },
    renameSession(channel: string, threadTs: string, user: string, title: string, teamId?: string) {
      const session = surfaces.sessions.get(threadKey(channel, threadTs));
      if (!session) throw new Error(`no agent session in ${channel}/${threadTs}`);
      const previous = session.title;
      session.title = title;
      session.titledBy = "user";
      surfaces.sessionLog.push({ channel, threadTs, title, by: "user", at: now() });
      return {
        type: "agent_session_title_changed" as const,
        channel,
        user,
        team_id: teamId ?? workspace.channels.get(channel)?.teamId ?? firstTeamId(workspace),
        thread_ts: threadTs,
        title,
        ...(previous === undefined ? {} : { previous_title: previous }),
        event_ts: `${Math.floor(now() / 1_000)}.000200`,
      };
    },
    responseUrl(channel: string, user: string, threadTs?: string) {
      return `${double.url.replace(/\/api\/$/, "")}${responseUrls.issue(channel, user, threadTs)}`;
    },
    session(channel: string, threadTs: string) {
      return surfaces.sessions.get(threadKey(channel, threadTs));
    },
    setStreamingUnavailable(channel: string, error: string | null = "channel_type_not_supported") {
      if (error === null) settings.streamingUnavailable.delete(channel);
      else settings.streamingUnavailable.set(channel, error);
    },
    failNext(method: string, error: string, opts: FailOptions = {}) {
      const status = opts.status ?? 200;
      // An `ok:false` answer must be one Slack documents for the method (HTTP errors carry any body).
      if (status === 200 && method !== "*" && !specs.documentsError(method, error)) {
        throw new Error(
          `${method} does not answer "${error}" in Slack's docs (specs/slack/.../${method}.json)`,
        );
      }
      const queue = failures.get(method) ?? [];
      queue.push({
        error,
        remaining: opts.times ?? 1,
        status: opts.status ?? 200,
        retryAfterSeconds: opts.retryAfterSeconds ?? 1,
      });
      failures.set(method, queue);
    },
    setLatency(method: string, ms: number) {
      latency.set(method, ms);
    },
    callsTo(method: string) {
      return double.calls.filter((c) => c.method === method);
    },
    resetRateLimits() {
      limiter.reset();
    },
    reset() {
      double.calls.length = 0;
      double.specViolations.length = 0;
      for (const key of Object.keys(double.rateLimited)) delete double.rateLimited[key];
      failures.clear();
      limiter.reset();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  });
  return api;
}

function firstTeamId(workspace: Workspace): string {
  const first = workspace.teams.keys().next();
  if (first.done) throw new Error("the double has no workspace: addTeam first");
  return first.value;
}

function latencyFor(latencyMs: SlackDoubleOptions["latencyMs"], method: string): number {
  if (typeof latencyMs === "function") return latencyMs(method);
  return latencyMs ?? 0;
}
