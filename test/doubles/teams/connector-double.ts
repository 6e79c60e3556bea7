// A real HTTP test double of the Bot Connector service as Microsoft Teams runs it. The bot's own
// botbuilder client talks to it: put `double.url` in an inbound activity's serviceUrl (or in a
// conversation reference) and every reply, update, delete and roster read lands here.
//
// It models what a Teams user sees (messages, edits, deletes, streamed messages and their phases),
// Teams streaming rules in personal chats, per-conversation rate limits with 429 + Retry-After, and
// answers in Bot Framework's shapes (ResourceResponse {id}, ErrorResponse {error:{code,message}}).
// Bot behaviour Teams rejects or documents as wrong lands in `violations`.
//
// Wire facts (botframework-connector 4.23.3): paths are "v3/conversations/{conversationId}/..."
// joined to serviceUrl, ids percent-encoded; replies carry an x-ms-conversation-id header; the
// pipeline retries 429/503 after Retry-After and 408/5xx (not 501/505) with backoff, 3 times.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { handleActivityRoute } from "./activity-handlers.js";
import { ConversationStore, isRecord, toVisible } from "./conversation-model.js";
import type {
  ConnectorDoubleOptions,
  LatencyFunction,
  RecordedCall,
  TeamsConnectorDouble,
} from "./double-types.js";
import { FailureQueue } from "./failures.js";
import {
  type Answer,
  answerError,
  type HandlerContext,
  type Settings,
  type Violation,
} from "./handler-context.js";
import { ActivityIds } from "./ids.js";
import {
  DEFAULT_RATE_RULES,
  MESSAGE_MAX_BYTES,
  type RateBucket,
  STREAM_LIFETIME_MS,
  STREAM_MIN_INTERVAL_MS,
} from "./limits.js";
import { handleMemberRoute } from "./member-handlers.js";
import { ConversationRateLimiter, type RateRule } from "./rate-limiter.js";
import { baseConversationId, parseRoute, type Route } from "./routes.js";
import { readStreamInfo } from "./stream-info.js";
import { refreshStream } from "./stream-rules.js";
import {
  badArgument,
  NOT_FOUND,
  STREAMING_NOT_ENABLED,
  STREAMING_NOT_ENABLED_405,
  THROTTLED,
} from "./teams-errors.js";

export type {
  ConversationConfig,
  ConversationType,
  MemberConfig,
  TeamConfig,
  VisibleMessage,
} from "./conversation-model.js";
export type { ConnectorDoubleOptions, RecordedCall, TeamsConnectorDouble } from "./double-types.js";
export type { Violation, ViolationKind } from "./handler-context.js";

/** The region prefix real service URLs carry; routes are matched from "/v3/" on. */
const SERVICE_PATH = "/amer/";

interface Handled {
  answer: Answer;
  call: RecordedCall;
  release(): void;
}

export async function startConnectorDouble(
  options: ConnectorDoubleOptions = {},
): Promise<TeamsConnectorDouble> {
  const now = options.now ?? Date.now;
  const timeScale = options.timeScale ?? 1;
  const store = new ConversationStore();
  for (const team of options.teams ?? []) store.addTeam(team);
  for (const conversation of options.conversations ?? []) store.addConversation(conversation);
  const settings: Settings = {
    streamMinIntervalMs: options.streamMinIntervalMs ?? STREAM_MIN_INTERVAL_MS * timeScale,
    streamLifetimeMs: options.streamLifetimeMs ?? STREAM_LIFETIME_MS * timeScale,
    streamEndsAfterRequests: options.streamEndsAfterRequests,
    messageMaxBytes: options.messageMaxBytes ?? MESSAGE_MAX_BYTES,
    nonPersonalStreamingError:
      options.nonPersonalStreaming === "methodNotAllowed" ? STREAMING_NOT_ENABLED_405 : STREAMING_NOT_ENABLED,
    memberObjectIdField: options.memberObjectIdField ?? "objectId",
    strictConversations: options.strictConversations ?? false,
  };
  const limiter = new ConversationRateLimiter(rateRules(options.rateLimits), timeScale);
  const failures = new FailureQueue();
  const ids = new ActivityIds();
  let latency: number | LatencyFunction = options.latencyMs ?? 0;
  /** Streaming requests being answered, per base conversation id: a second one is an overlap. */
  const inFlight = new Map<string, number>();

  const double = {
    url: "",
    calls: [] as RecordedCall[],
    violations: [] as Violation[],
    rateLimited: {} as Record<string, number>,
  };

  async function handle(req: IncomingMessage): Promise<Handled> {
    const time = now();
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://double.invalid");
    const path = url.pathname.split("/").map(safeDecode).join("/");
    const route = parseRoute(method, url);
    const conversationId = "conversationId" in route ? route.conversationId : undefined;
    const raw = await readBody(req);
    const call: RecordedCall = {
      method,
      path,
      route: route.kind,
      conversationId,
      activityId: "activityId" in route ? route.activityId : undefined,
      conversationIdHeader: headerValue(req.headers["x-ms-conversation-id"]),
      authorized: req.headers.authorization !== undefined,
      body: undefined,
      status: 0,
      response: undefined,
      headers: {},
      time,
      answeredAt: time,
    };
    const violation = (kind: Violation["kind"], detail: string, streamId?: string) => {
      double.violations.push({ kind, conversationId, streamId, detail, time: now() });
    };
    let release = () => {};
    const handled = (answer: Answer): Handled => ({ answer, call, release });

    let body: Record<string, unknown> = {};
    if (raw !== "") {
      const parsed = parseJson(raw);
      call.body = parsed;
      if (!isRecord(parsed)) {
        violation("invalid-body", "the request body is not a JSON object");
        return handled(answerError(badArgument("The request body is not a valid activity.")));
      }
      body = parsed;
    }

    const streaming =
      conversationId !== undefined && isActivityWrite(route) && readStreamInfo(body) !== undefined;
    if (streaming && conversationId !== undefined) {
      const key = baseConversationId(conversationId);
      const open = inFlight.get(key) ?? 0;
      if (open > 0) {
        violation("overlapping-request", "sent before the previous streaming request was answered");
      }
      inFlight.set(key, open + 1);
      release = () => inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
    }

    try {
      return handled(await answerFor(method, path, route, body, violation));
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Latency, injected failures, unknown routes and rate limits, then the route's own rules. */
  async function answerFor(
    method: string,
    path: string,
    route: Route,
    body: Record<string, unknown>,
    violation: HandlerContext["violation"],
  ): Promise<Answer> {
    const delay = typeof latency === "function" ? latency(method, path) : latency;
    if (delay > 0) await sleep(delay);

    const injected = failures.take(method, path, body);
    if (injected) {
      if (injected.status === 429) countThrottle(route);
      return { status: injected.status, body: injected.body, headers: injected.headers };
    }
    if (route.kind === "unknown") {
      violation("unknown-route", `${method} ${path} is not a Bot Connector route the double models`);
      return answerError(NOT_FOUND);
    }
    if (options.rateLimiting !== false) {
      const decision = limiter.admit(bucketOf(route), budgetKey(route), now());
      if (!decision.allowed) {
        countThrottle(route);
        return answerError(THROTTLED, { "retry-after": String(decision.retryAfterSeconds) });
      }
    }

    const ctx: HandlerContext = {
      now: now(),
      body,
      store,
      settings,
      nextActivityId: () => ids.next(now()),
      violation,
      throttled: () => countThrottle(route),
    };
    if (
      route.kind === "send" ||
      route.kind === "reply" ||
      route.kind === "update" ||
      route.kind === "delete"
    ) {
      return handleActivityRoute(ctx, route);
    }
    return handleMemberRoute(ctx, route);
  }

  function countThrottle(route: Route): void {
    const key = budgetKey(route);
    double.rateLimited[key] = (double.rateLimited[key] ?? 0) + 1;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    handle(req).then(
      ({ answer, call, release }) => {
        call.status = answer.status;
        call.response = answer.body;
        call.headers = answer.headers ?? {};
        call.answeredAt = now();
        double.calls.push(call);
        const headers = { ...call.headers, ...(answer.body === undefined ? {} : JSON_HEADERS) };
        res.writeHead(answer.status, headers);
        res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body), release);
      },
      (error: unknown) => {
        double.violations.push({
          kind: "invalid-body",
          detail: `the double failed: ${String(error)}`,
          time: now(),
        });
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`teams connector double failed: ${error instanceof Error ? error.stack : String(error)}`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SERVICE_PATH}`;

  const visibleMessages = (conversationId: string) => {
    const conversation = store.find(conversationId);
    if (!conversation) return [];
    const thread = conversationId.includes(";messageid=") ? conversationId : undefined;
    return conversation.messages
      .filter((m) => !m.deleted && (thread === undefined || m.conversationId === thread))
      .map((m) => {
        if (m.stream) refreshStream(m.stream, now(), settings.streamLifetimeMs);
        return toVisible(m);
      });
  };

  /** The stream, if it is still open (one that already ended stays as it ended). */
  const openStream = (conversationId: string, streamId: string) => {
    const stream = store.find(conversationId)?.messages.find((m) => m.stream?.id === streamId)?.stream;
    if (!stream) throw new Error(`no stream ${streamId} in ${conversationId}`);
    refreshStream(stream, now(), settings.streamLifetimeMs);
    return stream.phase === "streaming" ? stream : undefined;
  };

  const api: TeamsConnectorDouble = Object.assign(double, {
    store,
    conversations: store.conversations,
    conversation: (conversationId: string) => store.find(conversationId),
    visible: visibleMessages,
    message(conversationId: string, activityId: string) {
      return visibleMessages(conversationId).find((m) => m.id === activityId);
    },
    addConversation: (config: Parameters<ConversationStore["addConversation"]>[0]) => {
      store.addConversation(config);
    },
    addTeam: (config: Parameters<ConversationStore["addTeam"]>[0]) => store.addTeam(config),
    addMember(conversationOrTeamId: string, member: Parameters<TeamsConnectorDouble["addMember"]>[1]) {
      const team = store.teams.get(conversationOrTeamId);
      if (team) {
        team.members = [...(team.members ?? []), member];
        return;
      }
      store.ensure(conversationOrTeamId, undefined, member.tenantId).members.push(member);
    },
    stopStreamAsUser(conversationId: string, streamId: string) {
      const stream = openStream(conversationId, streamId);
      if (stream) stream.phase = "stopped";
    },
    endStream(conversationId: string, streamId: string, answer?: { status: number; body?: unknown }) {
      const stream = openStream(conversationId, streamId);
      if (!stream) return;
      stream.phase = answer ? "ended" : "timedOut";
      stream.endAnswer = answer;
    },
    failNext: failures.add.bind(failures),
    setLatency(value: number | LatencyFunction) {
      latency = value;
    },
    callsTo(kind: Route["kind"]) {
      return double.calls.filter((c) => c.route === kind);
    },
    resetRateLimits() {
      limiter.reset();
    },
    reset() {
      double.calls.length = 0;
      double.violations.length = 0;
      for (const key of Object.keys(double.rateLimited)) delete double.rateLimited[key];
      failures.clear();
      limiter.reset();
      store.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  });
  return api;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

function rateRules(
  overrides: ConnectorDoubleOptions["rateLimits"] = {},
): Record<RateBucket, readonly RateRule[]> {
  const rules: Record<RateBucket, readonly RateRule[]> = { ...DEFAULT_RATE_RULES };
  for (const [bucket, value] of Object.entries(overrides) as Array<[RateBucket, RateRule[] | null]>) {
    rules[bucket] = value ?? [];
  }
  return rules;
}

function isActivityWrite(route: Route): boolean {
  return route.kind === "send" || route.kind === "reply";
}

/** "Send to conversation" covers every write; roster and team reads have their own rows (rate-limit docs). */
function bucketOf(route: Route): RateBucket {
  if (route.kind === "teamDetails" || route.kind === "teamChannels") return "conversations";
  if (route.kind === "members" || route.kind === "member" || route.kind === "pagedMembers") return "members";
  return "send";
}

/** A conversation is a 1:1 chat, a group chat or a whole channel: threads share their channel's budget. */
function budgetKey(route: Route): string {
  if ("teamId" in route) return route.teamId;
  if ("conversationId" in route) return baseConversationId(route.conversationId);
  return "";
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
