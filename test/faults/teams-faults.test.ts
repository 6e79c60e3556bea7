// Fault matrix, Teams half: the real botbuilder adapter, one fresh conversation per case, in a
// personal chat (native streaming) and as a channel mention (post, then edits in place). The model
// fails (429, 5xx, a cut or filtered stream, a hang) or the Bot Connector does (429, 500, 503 on each
// kind of request the bot sends there); after every case the shared invariants must hold.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { encodeThreadKey } from "../../src/store/keys.js";
import { startTeamsHarness, type TeamsHarness } from "../adapters/teams/harness.js";
import type { Scenario } from "../doubles/azure-openai.js";
import {
  channelConversationId,
  channelMention,
  type InboundActivity,
  personalConversationId,
  personalMessage,
} from "../doubles/teams/activities.js";
import { isRecord } from "../doubles/teams/conversation-model.js";
import type { RecordedCall } from "../doubles/teams/double-types.js";
import { activityKind } from "../doubles/teams/stream-info.js";
import { assertInvariants, marker, type Turn, teamsShown } from "./invariants.js";

type Place = "personal" | "channel";
const PLACES: readonly Place[] = ["personal", "channel"];

/** Per case; a 503 twice on a final request waits 0.5 + 1 s of ReplyStream backoff, a 429 1 s. */
const CASE_TIMEOUT_MS = 15_000;
const GROUP_TIMEOUT_MS = 60_000;
/** Longer than the informative delay (600 ms × 0.05): "Thinking…" goes out before the first words. */
const PIECE_DELAY_MS = 35;

/** Answer n of a conversation, one word a delta, so it streams over several updates. */
const piecesOf = (n: number) =>
  `${marker(n)} Answer ${n} arrives in short pieces over several updates.`.split(/(?= )/);
const answerOf = (n: number) => piecesOf(n).join("");
const answered = (n: number): Scenario => ({ kind: "stream", pieces: piecesOf(n), delayMs: PIECE_DELAY_MS });
/** The first few pieces only: what shows before the stream breaks (the double sends them at once). */
const partOf = (n: number) => piecesOf(n).slice(0, 4);

interface TurnPlan {
  /** What the model answers to each request of the turn, retries included (each is asked for). */
  model: (n: number) => Scenario[];
  expect: Turn["expect"];
  /** Set up just before the turn is posted (Bot Connector failures). */
  arrange?: (h: TeamsHarness) => void;
}

/** One conversation: where it is, and the ids its turns go to. */
interface Chat {
  place: Place;
  /** The chat, or the channel (without ;messageid=). */
  base: string;
  /** The channel thread's root message id, once the first mention started it. */
  root?: string;
}

function newChat(place: Place): Chat {
  return { place, base: place === "personal" ? personalConversationId() : channelConversationId() };
}

function activityFor(h: TeamsHarness, chat: Chat, question: string): InboundActivity {
  if (chat.place === "personal")
    return personalMessage(h.base, { text: question, conversationId: chat.base });
  const activity = channelMention(h.base, {
    question,
    channelId: chat.base,
    teamId: chat.base,
    threadRootId: chat.root,
  });
  chat.root ??= activity.id;
  return activity;
}

/** The engine's thread key for an activity, as threadKeyOf in adapters/teams/teams-app.ts builds it. */
function threadKeyOf(activity: InboundActivity): string {
  const [base = "", root] = activity.conversation.id.split(";messageid=");
  return encodeThreadKey({
    platform: "teams",
    tenant: activity.conversation.tenantId,
    channel: base,
    // A personal (or group) chat is one thread; a channel thread is named by its root message.
    thread: activity.conversation.conversationType === "channel" ? (root ?? activity.id) : "main",
  });
}

/** Plays the turns in a fresh conversation, then checks the invariants and the bot's manners. */
async function runCase(
  h: TeamsHarness,
  place: Place,
  name: string,
  plans: TurnPlan[],
): Promise<RecordedCall[]> {
  h.connector.reset();
  h.llm.reset();
  const chat = newChat(place);
  const turns: Turn[] = [];
  let requests = 0;
  let last: InboundActivity | undefined;
  for (const [i, plan] of plans.entries()) {
    const n = i + 1;
    const question = `Question ${n} of "${name}" in a ${place} conversation?`;
    const scenarios = plan.model(n);
    h.llm.script(...scenarios);
    requests += scenarios.length;
    plan.arrange?.(h);
    last = activityFor(h, chat, question);
    assert.equal((await h.post(last)).status, 200);
    await h.settled();
    turns.push({ question, answer: answerOf(n), expect: plan.expect });
    // Exactly the scripted requests: a missing retry or an extra one would shift the next turn's answers.
    assert.equal(h.llm.requests.length, requests, `turn ${n}: requests to the model`);
  }
  assert.ok(last);
  assertInvariants({
    shown: teamsShown(h.connector, last.conversation.id),
    turns,
    history: await h.core.store.load(threadKeyOf(last)),
    what: `${place}: ${name}`,
  });
  assert.deepEqual(h.connector.violations, [], "the bot kept Teams' rules");
  assert.deepEqual(h.llm.specViolations, []);
  const unlisted = h.connector.calls.filter((c) => !REQUEST_KINDS[place].some((k) => isKind(k, c)));
  assert.deepEqual(unlisted, [], "a kind of request the matrix does not fail yet: add it to REQUEST_KINDS");
  return h.connector.calls;
}

// ---------------------------------------------------------------------------------------------
// The model fails

const busy = (retryAfterSeconds: number): Scenario => ({ kind: "rate-limited", retryAfterSeconds });
const serverError: Scenario = { kind: "server-error", status: 500 };
const fine: TurnPlan = { model: (n) => [answered(n)], expect: "finished" };

/** LLM_MAX_RETRIES is 2 by default: the first request and two retries. */
const MODEL_FAULTS: Array<{ name: string; turns: TurnPlan[] }> = [
  {
    name: "429 once, then an answer",
    turns: [{ model: (n) => [busy(1), answered(n)], expect: "finished" }],
  },
  {
    // The next turn's history holds only the turn that finished.
    name: "429 on every try, then a turn that finishes",
    turns: [{ model: () => [busy(1), busy(1), busy(1)], expect: "unfinished" }, fine],
  },
  {
    name: "500 once (the client retries once)",
    turns: [{ model: (n) => [serverError, answered(n)], expect: "finished" }],
  },
  {
    name: "a finished turn, then 500 twice",
    turns: [fine, { model: () => [serverError, serverError], expect: "unfinished" }],
  },
  {
    // Cut after text: no retry (it would repeat what was shown); the partial text shows once.
    name: "stream cut after some text, then a turn that finishes",
    turns: [{ model: (n) => [{ kind: "cut", pieces: partOf(n) }], expect: "unfinished" }, fine],
  },
  {
    name: "completion filtered after some text",
    turns: [
      {
        model: (n) => [{ kind: "completion-filtered", pieces: partOf(n), category: "violence" }],
        expect: "unfinished",
      },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// The Bot Connector fails

/** A kind of request the bot sends in a conversation, and how to pick it out. */
interface RequestKind {
  name: string;
  /** failNext's pattern: "METHOD /path", matched against the whole path (region prefix included). */
  pattern: string;
  when: (body: Record<string, unknown>) => boolean;
  /** How many requests of this kind one answer sends at most (informative: one, never retried). */
  max?: number;
}

/** The end of an answer carries the feedback loop (and the AI label); edits before it do not. */
const endsAnswer = (body: Record<string, unknown>) =>
  (body.channelData as { feedbackLoopEnabled?: boolean } | undefined)?.feedbackLoopEnabled === true;
const POST = "POST */v3/conversations/*/activities*";
const PUT = "PUT */v3/conversations/*/activities/*";

// No plain typing indicator is sent anywhere (channels skip it; a personal chat's "typing" activities
// are the stream's own requests), and a personal chat's answer is always a stream: no plain message.
const REQUEST_KINDS: Record<Place, RequestKind[]> = {
  personal: [
    { name: "informative update", pattern: POST, when: (b) => activityKind(b) === "informative", max: 1 },
    { name: "streaming update", pattern: POST, when: (b) => activityKind(b) === "streaming" },
    { name: "final stream message", pattern: POST, when: (b) => activityKind(b) === "final" },
  ],
  channel: [
    { name: "message post", pattern: POST, when: (b) => activityKind(b) === "message" },
    { name: "edit (PUT)", pattern: PUT, when: (b) => !endsAnswer(b) },
    { name: "final edit (PUT)", pattern: PUT, when: endsAnswer },
  ],
};

function isKind(kind: RequestKind, call: RecordedCall): boolean {
  return call.method === kind.pattern.split(" ")[0] && isRecord(call.body) && kind.when(call.body);
}

const FAILURES = [
  { status: 429, times: 1 },
  { status: 500, times: 1 },
  { status: 503, times: 2 },
] as const;

// The groups run side by side (each has its own harness); the cases of a group run in turn.
describe("Teams fault matrix", { concurrency: true, timeout: GROUP_TIMEOUT_MS }, () => {
  for (const place of PLACES) {
    describe(`Teams faults, ${place}: the model fails`, { timeout: GROUP_TIMEOUT_MS, concurrency: 1 }, () => {
      let h: TeamsHarness;
      before(async () => {
        h = await startTeamsHarness({ timeScale: 0.05 });
      });
      after(() => h.close());

      for (const c of MODEL_FAULTS) {
        it(c.name, { timeout: CASE_TIMEOUT_MS }, async () => {
          await runCase(h, place, c.name, c.turns);
        });
      }
    });
  }

  describe("Teams faults: the model hangs", { timeout: GROUP_TIMEOUT_MS, concurrency: 1 }, () => {
    let h: TeamsHarness;
    before(async () => {
      // The shortest timeout the configuration allows; the other groups keep the default.
      h = await startTeamsHarness({ timeScale: 0.05, env: { LLM_TIMEOUT_MS: "1000" } });
    });
    after(() => h.close());

    for (const place of PLACES) {
      it(`${place}: hangs after some text, then a turn that finishes`, {
        timeout: CASE_TIMEOUT_MS,
      }, async () => {
        await runCase(h, place, "hang", [
          { model: (n) => [{ kind: "hang", pieces: partOf(n) }], expect: "unfinished" },
          // At once: a paced answer can outlast the 1 s timeout on a busy machine.
          { model: (n) => [{ kind: "stream", pieces: piecesOf(n) }], expect: "finished" },
        ]);
      });
    }
  });

  for (const place of PLACES) {
    for (const failure of FAILURES) {
      describe(`Teams faults, ${place}: the Bot Connector answers ${failure.status}`, {
        timeout: GROUP_TIMEOUT_MS,
        concurrency: 1,
      }, () => {
        let h: TeamsHarness;
        before(async () => {
          h = await startTeamsHarness({ timeScale: 0.05 });
        });
        after(() => h.close());

        for (const kind of REQUEST_KINDS[place]) {
          const times = Math.min(failure.times, kind.max ?? failure.times);
          const name = `${failure.status} ×${times} on the ${kind.name}`;
          it(`${name}: the answer still ends whole`, { timeout: CASE_TIMEOUT_MS }, async () => {
            const faulty: TurnPlan = {
              ...fine,
              arrange: (harness) =>
                harness.connector.failNext(kind.pattern, failure.status, undefined, {
                  times,
                  retryAfterSeconds: 1,
                  when: kind.when,
                }),
            };
            // A 429 holds the conversation's send budget past the answer: the next turn must still
            // show once, after the first, and be remembered after it.
            const plans = failure.status === 429 ? [faulty, fine] : [faulty];
            const calls = await runCase(h, place, name, plans);
            const hit = calls.filter((c) => c.status === failure.status && isKind(kind, c));
            assert.equal(hit.length, times, `the injected ${failure.status} was met ${times} time(s)`);
          });
        }
      });
    }
  }
});
