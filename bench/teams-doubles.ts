// Child process of the Teams benchmark: runs the Bot Connector double and the Azure OpenAI double,
// so the bot's CPU and memory are measured alone in the parent. It sends the inbound activities as
// Teams would and measures what users see: when answer text first shows, which requests the bot made
// per reply, what the Connector refused, and whether the final texts are exact.
import { performance } from "node:perf_hooks";
import { startAzureOpenAIDouble } from "../test/doubles/azure-openai.js";
import {
  channelConversationId,
  channelMention,
  groupChatMention,
  type InboundActivity,
  type InboundBase,
  personalConversationId,
  personalMessage,
  postActivity,
} from "../test/doubles/teams/activities.js";
import { type RecordedCall, startConnectorDouble } from "../test/doubles/teams/connector-double.js";
import { baseConversationId } from "../test/doubles/teams/routes.js";
import { readStreamInfo } from "../test/doubles/teams/stream-info.js";

/** "warmup": personal chats and group chats first, so neither measured phase pays for cold code. */
export type TeamsPhase = "warmup" | "personal" | "channel";

export interface TeamsBenchSetup {
  /** Concurrent personal (1:1) chats, each streaming one answer. */
  personal: number;
  /** Concurrent mentions answered by post-and-edit: half in one channel's threads, half in group chats. */
  mentions: number;
  tokens: number;
  tokenDelayMs: number;
  timeScale: number;
  botAppId: string;
}

/** Where a reply lands: a personal chat, a thread of the one bench channel, or a group chat. */
type Place = "personal" | "thread" | "groupChat";

export interface TeamsBenchReport {
  /** Accepted requests per kind, summed over the phase's replies (informative, streaming, final, post, update, typing). */
  callsByKind: Record<string, number>;
  /** Requests per kind the Connector refused (any non-2xx, or a 2xx that dropped the update). */
  refusedByKind: Record<string, number>;
  /** Accepted and refused requests per kind, per place (channel threads and group chats apart). */
  callsByPlace: Record<string, { accepted: Record<string, number>; refused: Record<string, number> }>;
  replies: Record<string, number>;
  /** Connector answers by status among the phase's requests, per place. */
  status429: Record<string, number>;
  status403: Record<string, number>;
  otherErrors: string[];
  exactFinals: number;
  /** What the replies that were not exact show instead (a few). */
  inexact: string[];
  /** First visible answer text minus the model's first token, per reply (ms). */
  overheadMs: number[];
  overheadByPlace: Record<string, number[]>;
  /** The whole answer shown minus the model's last token, per reply (ms). */
  tailMs: number[];
  violations: string[];
}

type Message =
  | { type: "start"; setup: TeamsBenchSetup }
  | { type: "fire"; phase: TeamsPhase; url: string }
  | { type: "report"; phase: TeamsPhase }
  | { type: "stop" };

/** Replies of the unmeasured warm-up, half personal chats, half group chats. */
const WARMUP_REPLIES = 10;
/** The double's chunks before the first text: Azure's prompt-filter chunk and the role chunk. */
const CHUNKS_BEFORE_TEXT = 2;

const send = (message: unknown) => process.send?.(message);
let state: Awaited<ReturnType<typeof start>> | undefined;

process.on("message", async (message: Message) => {
  if (message.type === "start") {
    state = await start(message.setup);
    send({ type: "ready", connectorUrl: state.connector.url, llmUrl: state.llm.url });
  } else if (message.type === "fire" && state) {
    send({ type: "acks", ackMs: await state.fire(message.phase, message.url) });
  } else if (message.type === "report" && state) {
    send({ type: "report", report: state.report(message.phase) });
  } else if (message.type === "stop") {
    await state?.connector.close();
    await state?.llm.close();
    process.exit(0);
  }
});

interface Reply {
  key: string;
  place: Place;
  /** The conversation id the bot answers in (a channel thread's carries ";messageid="). */
  conversationId: string;
  activity: InboundActivity;
}

async function start(setup: TeamsBenchSetup) {
  const connector = await startConnectorDouble({ timeScale: setup.timeScale });
  const llm = await startAzureOpenAIDouble({ validate: false, record: false });
  const base: InboundBase = { serviceUrl: connector.url, botAppId: setup.botAppId };
  const pieces = Array.from({ length: setup.tokens }, (_, i) => `w${i} `);
  const answer = pieces.join("");
  const mid = Math.floor(pieces.length / 2);
  /** When the model sent piece i, for a request that arrived at `arrival`. */
  const pieceSentAt = (arrival: number, i: number) =>
    arrival + (i + 1 + CHUNKS_BEFORE_TEXT + (i > mid ? 1 : 0)) * setup.tokenDelayMs;

  const arrivals = new Map<string, number>();
  llm.setFallback((req) => {
    const last = (req.body as { messages: Array<{ content: string }> }).messages.at(-1)?.content ?? "";
    const key = /\bq-([pcw]\d+)\b/.exec(last)?.[1];
    if (key) arrivals.set(key, Date.now());
    return { kind: "stream", pieces, delayMs: setup.tokenDelayMs };
  });

  const channel = channelConversationId();
  const threads = Math.ceil(setup.mentions / 2);
  const phases: Record<TeamsPhase, () => Reply[]> = {
    warmup: () =>
      Array.from({ length: WARMUP_REPLIES }, (_, i) => {
        const question = `question q-w${i}`;
        const activity =
          i % 2 === 0
            ? personalMessage(base, { text: question, conversationId: personalConversationId() })
            : groupChatMention(base, { question });
        const place: Place = i % 2 === 0 ? "personal" : "groupChat";
        return { key: `w${i}`, place, conversationId: activity.conversation.id, activity };
      }),
    personal: () =>
      Array.from({ length: setup.personal }, (_, i) => {
        const activity = personalMessage(base, {
          text: `question q-p${i}`,
          conversationId: personalConversationId(),
        });
        return { key: `p${i}`, place: "personal", conversationId: activity.conversation.id, activity };
      }),
    channel: () =>
      Array.from({ length: setup.mentions }, (_, i) => {
        const question = `question q-c${i}`;
        const activity =
          i < threads
            ? channelMention(base, { question, teamId: channel, channelId: channel })
            : groupChatMention(base, { question });
        const place: Place = i < threads ? "thread" : "groupChat";
        return { key: `c${i}`, place, conversationId: activity.conversation.id, activity };
      }),
  };
  const fired: Record<TeamsPhase, Reply[]> = { warmup: [], personal: [], channel: [] };

  /** What one request of a reply was, by its body and route. */
  const kindOf = (call: RecordedCall): string => {
    if (call.route === "update") return "update";
    if (call.route === "delete") return "delete";
    const body = (call.body ?? {}) as Record<string, unknown>;
    const info = readStreamInfo(body);
    if (info) return info.streamType ?? "streaming";
    if (body.type === "typing") return "typing";
    if (body.type === "message") return "post";
    return String(body.type ?? call.route);
  };
  const textOf = (call: RecordedCall) => String(((call.body ?? {}) as { text?: unknown }).text ?? "");
  /** Accepted: a 2xx that Teams did not drop (an out-of-order stream update is a 202 with an error code). */
  const accepted = (call: RecordedCall) =>
    call.status >= 200 && call.status < 300 && !(call.response as { error?: unknown } | undefined)?.error;

  return {
    connector,
    llm,
    /** Sends every activity of the phase at once, as Teams would, and times each HTTP answer. */
    fire(phase: TeamsPhase, url: string): Promise<number[]> {
      const replies = phases[phase]();
      fired[phase] = replies;
      return Promise.all(
        replies.map(async ({ activity }) => {
          const started = performance.now();
          const res = await postActivity(url, activity);
          if (res.status !== 200) throw new Error(`inbound activity answered ${res.status}`);
          return performance.now() - started;
        }),
      );
    },
    report(phase: TeamsPhase): TeamsBenchReport {
      const replies = fired[phase];
      const report: TeamsBenchReport = {
        callsByKind: {},
        refusedByKind: {},
        callsByPlace: {},
        replies: {},
        status429: {},
        status403: {},
        otherErrors: [],
        exactFinals: 0,
        inexact: [],
        overheadMs: [],
        overheadByPlace: {},
        tailMs: [],
        violations: [],
      };
      const conversations = new Set(replies.map((r) => r.conversationId));
      const bases = new Set(replies.map((r) => baseConversationId(r.conversationId)));
      for (const reply of replies) {
        const { place } = reply;
        report.replies[place] = (report.replies[place] ?? 0) + 1;
        const calls = connector.calls
          .filter((c) => c.conversationId === reply.conversationId)
          .sort((a, b) => a.time - b.time);
        const byPlace = report.callsByPlace[place] ?? { accepted: {}, refused: {} };
        report.callsByPlace[place] = byPlace;
        for (const call of calls) {
          const kind = kindOf(call);
          const ok = accepted(call);
          const all = ok ? report.callsByKind : report.refusedByKind;
          all[kind] = (all[kind] ?? 0) + 1;
          const mine = ok ? byPlace.accepted : byPlace.refused;
          mine[kind] = (mine[kind] ?? 0) + 1;
          if (call.status === 429) report.status429[place] = (report.status429[place] ?? 0) + 1;
          else if (call.status === 403) report.status403[place] = (report.status403[place] ?? 0) + 1;
          else if (call.status >= 300) {
            const code = (call.response as { error?: { code?: string } } | undefined)?.error?.code;
            report.otherErrors.push(`${place} ${kind} ${call.status} ${code ?? ""}`.trim());
          }
        }
        const arrival = arrivals.get(reply.key);
        const first = calls.find(
          (c) =>
            accepted(c) &&
            ["streaming", "final", "post", "update"].includes(kindOf(c)) &&
            answer.startsWith(textOf(c)) &&
            textOf(c) !== "",
        );
        if (arrival !== undefined && first) {
          const overhead = first.answeredAt - pieceSentAt(arrival, 0);
          report.overheadMs.push(overhead);
          report.overheadByPlace[place] = [...(report.overheadByPlace[place] ?? []), overhead];
        }
        const whole = calls.find((c) => accepted(c) && textOf(c).trimEnd() === answer.trimEnd());
        if (arrival !== undefined && whole) {
          report.tailMs.push(whole.answeredAt - pieceSentAt(arrival, pieces.length - 1));
        }
        const visible = connector.visible(reply.conversationId);
        const shown = visible.map((m) => m.text).join("");
        const streamsDone = visible.every((m) => m.stream === undefined || m.stream === "final");
        if (shown === answer && streamsDone) report.exactFinals++;
        else if (report.inexact.length < 3) {
          const streams = visible.map((m) => m.stream ?? "-").join(",");
          report.inexact.push(
            `${place} ${reply.key}: ${visible.length} message(s) [${streams}], ${shown.length}/${answer.length} chars`,
          );
        }
      }
      for (const v of connector.violations) {
        const id = v.conversationId;
        if (id === undefined || !(conversations.has(id) || bases.has(baseConversationId(id)))) continue;
        report.violations.push(`${v.kind}: ${v.detail}`);
      }
      return report;
    },
  };
}
