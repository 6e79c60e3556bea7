// The Teams side of the Teams benchmark, in the bench process: the Bot Connector double at Teams' real
// pacing (time scale 1) and inbound activities sent to the bot over HTTP as Teams sends them:
// personal chats (answered by native streaming), and mentions in threads of one channel and in group
// chats (answered by post and edit). Tells which requests the bot made per reply, by kind and place,
// and what the Connector refused.
import {
  channelConversationId,
  channelMention,
  groupChatMention,
  type InboundActivity,
  type InboundBase,
  personalMessage,
  postActivity,
} from "../test/doubles/teams/activities.js";
import { type RecordedCall, startConnectorDouble } from "../test/doubles/teams/connector-double.js";
import { readStreamInfo } from "../test/doubles/teams/stream-info.js";
import { observeCalls } from "./call-observer.js";
import { questionFor } from "./model-double.js";
import type { PhaseReply } from "./phase.js";

/** The bot's Microsoft App ID as the activities name it; the bot runs with authentication off. */
const BOT_APP_ID = "00000000-0000-0000-0000-0000000000b1";

/** Where a reply lands: a personal chat, a thread of the one bench channel, or a group chat. */
export type Place = "personal" | "thread" | "groupChat";

export interface TeamsRequests {
  /** Replies per place. */
  replies: Partial<Record<Place, number>>;
  /** Accepted requests per place and kind (informative, streaming, final, typing, post, update). */
  accepted: Partial<Record<Place, Record<string, number>>>;
  /** Refused ones: any non-2xx, or a 2xx that dropped the update. */
  refused: Partial<Record<Place, Record<string, number>>>;
  status429: number;
  status403: number;
  otherErrors: string[];
  violations: string[];
}

export interface TeamsScene {
  /** Calls `fn` after each request the double recorded (and applied); returns the unsubscribe. */
  onCall(fn: () => void): () => void;
  /** `count` personal chats, one question each. */
  personalChats(label: string, count: number, botUrl: string): PhaseReply[];
  /** `count` mentions: the first half in threads of one new channel, the rest in group chats. */
  mentions(label: string, count: number, botUrl: string): PhaseReply[];
  mark(): number[];
  requestsSince(mark: number[]): TeamsRequests;
  close(): Promise<void>;
}

export async function startTeamsScene(): Promise<TeamsScene> {
  const connector = await startConnectorDouble({ timeScale: 1 });
  const base: InboundBase = { serviceUrl: connector.url, botAppId: BOT_APP_ID };
  const observer = observeCalls(connector.calls);
  const places = new Map<string, Place>();

  const reply = (key: string, place: Place, activity: InboundActivity, botUrl: string): PhaseReply => {
    const conversationId = activity.conversation.id;
    places.set(conversationId, place);
    const visible = () => connector.visible(conversationId);
    return {
      key,
      send: async () => (await postActivity(botUrl, activity)).status,
      visibleText: () =>
        visible()
          .map((m) => m.text)
          .join(""),
      settled: () => visible().every((m) => m.stream === undefined || m.stream === "final"),
    };
  };

  return {
    onCall: observer.onCall,
    personalChats: (label, count, botUrl) =>
      Array.from({ length: count }, (_, i) => {
        const key = `${label}${i}`;
        return reply(key, "personal", personalMessage(base, { text: questionFor(key) }), botUrl);
      }),
    mentions(label, count, botUrl) {
      const channel = channelConversationId();
      const threads = Math.ceil(count / 2);
      return Array.from({ length: count }, (_, i) => {
        const key = `${label}${i}`;
        const question = questionFor(key);
        return i < threads
          ? reply(
              key,
              "thread",
              channelMention(base, { question, teamId: channel, channelId: channel }),
              botUrl,
            )
          : reply(key, "groupChat", groupChatMention(base, { question }), botUrl);
      });
    },
    mark: () => [connector.calls.length, connector.violations.length],
    requestsSince([calls = 0, violations = 0]) {
      const out: TeamsRequests = {
        replies: {},
        accepted: {},
        refused: {},
        status429: 0,
        status403: 0,
        otherErrors: [],
        violations: connector.violations.slice(violations).map((v) => `${v.kind}: ${v.detail}`),
      };
      const seen = new Set<string>();
      for (const call of connector.calls.slice(calls)) {
        const place = call.conversationId === undefined ? undefined : places.get(call.conversationId);
        if (place === undefined || call.conversationId === undefined) continue;
        if (!seen.has(call.conversationId)) {
          seen.add(call.conversationId);
          out.replies[place] = (out.replies[place] ?? 0) + 1;
        }
        const kind = kindOf(call);
        const counts = accepted(call) ? out.accepted : out.refused;
        const mine = counts[place] ?? {};
        counts[place] = mine;
        mine[kind] = (mine[kind] ?? 0) + 1;
        if (call.status === 429) out.status429++;
        else if (call.status === 403) out.status403++;
        else if (call.status >= 300) {
          const code = (call.response as { error?: { code?: string } } | undefined)?.error?.code;
          out.otherErrors.push(`${place} ${kind} ${call.status} ${code ?? ""}`.trim());
        }
      }
      return out;
    },
    close: () => connector.close(),
  };
}

/** What one request of a reply was, by its body and route. */
function kindOf(call: RecordedCall): string {
  if (call.route === "update") return "update";
  if (call.route === "delete") return "delete";
  const body = (call.body ?? {}) as Record<string, unknown>;
  const info = readStreamInfo(body);
  if (info) return info.streamType ?? "streaming";
  if (body.type === "typing") return "typing";
  if (body.type === "message") return "post";
  return String(body.type ?? call.route);
}

/** Accepted: a 2xx that Teams did not drop (an out-of-order stream update is a 202 with an error code). */
function accepted(call: RecordedCall): boolean {
  return (
    call.status >= 200 && call.status < 300 && !(call.response as { error?: unknown } | undefined)?.error
  );
}
