// The fault matrix on Slack: the model failing in each way it does (429 with retry-after, 500, a
// stream cut mid-answer, the content filter, no answer at all) and Slack answering 429 or 5xx to
// each kind of call a reply makes (thinking status, placeholder post, edit, stream start, append and
// stop), on native streaming and on post-and-edit. Whatever broke, the invariants hold
// (invariants.ts): no reply left open or shown twice, every finished turn stored once in order,
// and a reason under every unfinished answer.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { encodeThreadKey } from "../../src/store/keys.js";
import { type SlackHarness, settled, startSlackHarness } from "../adapters/slack/harness.js";
import type { Scenario } from "../doubles/azure-openai.js";
import { appMentionEvent, messageEvent } from "../doubles/slack/event-payloads.js";
import { ALICE, BOT_USER, TEAM } from "../doubles/slack/test-support.js";
import { assertInvariants, marker, slackShown, type Turn } from "./invariants.js";

const CHANNEL = "C0FAULTS01";
/** Pause between the model's pieces: every answer streams over several updates. */
const PIECE_DELAY_MS = 25;

/** Turn n's answer as pieces: its marker first, then words. */
function answerPieces(n: number, words = 8): string[] {
  return [`${marker(n)} `, ...Array.from({ length: words }, (_, i) => `word${i + 1} `), "end."];
}
const answerOf = (n: number, words?: number) => answerPieces(n, words).join("");
const stream = (n: number, words?: number): Scenario => ({
  kind: "stream",
  pieces: answerPieces(n, words),
  delayMs: PIECE_DELAY_MS,
});

interface Case {
  name: string;
  /** Scripts the model and injects the faults; `turns` says what each turn should come to. */
  arrange(h: SlackHarness): void;
  turns: Array<Turn["expect"]>;
  /** Checks the fault really happened (a case whose fault missed proves nothing). */
  verify?(h: SlackHarness): void;
}

const finished = (name: string, arrange: Case["arrange"]): Case => ({ name, arrange, turns: ["finished"] });
const unfinished = (name: string, arrange: Case["arrange"]): Case => ({
  name,
  arrange,
  turns: ["unfinished"],
});

const llmCases: Case[] = [
  finished("the model answers 429 with retry-after once: the bot waits and answers", (h) => {
    h.llm.script({ kind: "rate-limited", retryAfterSeconds: 1 }, stream(1));
  }),
  unfinished("the model answers 429 on every try: the user is told it is busy", (h) => {
    for (let i = 0; i < 3; i++) h.llm.script({ kind: "rate-limited", retryAfterMs: 50 });
  }),
  finished("the model answers 500 once: retried once, answered", (h) => {
    h.llm.script({ kind: "server-error", status: 500 }, stream(1));
  }),
  unfinished("the model answers 500 twice: the user is told", (h) => {
    h.llm.script({ kind: "server-error", status: 500 }, { kind: "server-error", status: 503 });
  }),
  unfinished("the model's stream is cut mid-answer: the part shown stays, with the reason", (h) => {
    h.llm.script({ kind: "cut", pieces: answerPieces(1, 4) });
  }),
  unfinished("the content filter ends the answer: the part shown stays, with the reason", (h) => {
    h.llm.script({ kind: "completion-filtered", pieces: answerPieces(1, 4), category: "violence" });
  }),
  // A turn after a failed one: the failed one is not remembered, the next is, once.
  {
    name: "a cut answer, then a good one in the same thread: only the good one is remembered",
    arrange: (h) => h.llm.script({ kind: "cut", pieces: answerPieces(1, 4) }, stream(2)),
    turns: ["unfinished", "finished"],
  },
];

/** Slack's 429 and 5xx on one method, `times` in a row. */
function slackFault(method: string, status: 429 | 500 | 503, times = 1): Case {
  return {
    ...finished(`Slack answers ${status} to ${method}${times > 1 ? ` ${times} times` : ""}`, (h) => {
      h.llm.script(stream(1));
      h.slack.failNext(method, status === 429 ? "ratelimited" : "internal_error", {
        status,
        times,
        retryAfterSeconds: 1,
      });
    }),
    verify: (h) =>
      assert.equal(
        h.slack.callsTo(method).filter((c) => c.status === status).length,
        times,
        `${method} got its ${status}s`,
      ),
  };
}

const nativeCalls = [
  "assistant.threads.setStatus",
  "chat.startStream",
  "chat.appendStream",
  "chat.stopStream",
];
const updateCalls = ["chat.postMessage", "chat.update"];

/** The thinking status is asked for once per reply (a placeholder stands in when it fails). */
const ASKED_ONCE = new Set(["assistant.threads.setStatus"]);

function platformCases(methods: string[]): Case[] {
  // The 429 last: the bot holds that method for Retry-After across replies, so an update of the
  // next case would not be tried at all.
  return methods.flatMap((m) => [
    slackFault(m, 500, ASKED_ONCE.has(m) ? 1 : 2),
    slackFault(m, 503),
    slackFault(m, 429),
  ]);
}

/** Runs `cases` against one bot, each in a thread of its own. */
function matrix(title: string, env: Record<string, string>, cases: Case[]) {
  describe(title, { timeout: 90_000 }, () => {
    let h: SlackHarness;
    before(async () => {
      h = await startSlackHarness({ env });
    });
    after(async () => {
      await h?.close();
    });

    for (const c of cases) {
      it(c.name, async () => {
        h.llm.reset();
        h.slack.reset();
        c.arrange(h);
        const turns = await converse(h, c.turns);
        assertInvariants({
          shown: slackShown(h.slack, CHANNEL, turns.root),
          turns: turns.list,
          history: await h.core.store.load(turns.threadKey),
          what: c.name,
        });
        c.verify?.(h);
        assert.deepEqual(h.slack.specViolations, []);
      });
    }
  });
}

/** A mention, then follow-ups in its thread, one at a time; returns the turns as sent. */
async function converse(h: SlackHarness, expects: Array<Turn["expect"]>) {
  const list: Turn[] = [];
  let root = "";
  for (const [i, expect] of expects.entries()) {
    const question = `question ${i + 1}`;
    if (i === 0) {
      const text = `<@${BOT_USER}> ${question}`;
      root = h.slack.seedMessage({ channel: CHANNEL, user: ALICE, text });
      await h.sendEvent(appMentionEvent({ user: ALICE, channel: CHANNEL, ts: root, text }));
    } else {
      const ts = h.slack.seedMessage({ channel: CHANNEL, user: ALICE, text: question, threadTs: root });
      await h.sendEvent(messageEvent({ user: ALICE, channel: CHANNEL, ts, threadTs: root, text: question }));
    }
    await settled(h.core, 20_000);
    list.push({ question, answer: expect === "finished" ? answerOf(i + 1) : "", expect });
  }
  const threadKey = encodeThreadKey({ platform: "slack", tenant: TEAM, channel: CHANNEL, thread: root });
  return { root, list, threadKey };
}

matrix("Slack native streaming: model faults", { SLACK_STREAMING: "auto" }, llmCases);
matrix("Slack post-and-edit: model faults", { SLACK_STREAMING: "update" }, llmCases);
matrix("Slack native streaming: Slack faults", { SLACK_STREAMING: "auto" }, [
  ...platformCases(nativeCalls),
  {
    ...finished(
      "Slack refuses chat.startStream for good (user_not_found): posted and edited instead",
      (h) => {
        h.llm.script(stream(1));
        h.slack.failNext("chat.startStream", "user_not_found", { times: 10 });
      },
    ),
    verify: (h) => assert.equal(h.slack.callsTo("chat.startStream").length, 1, "asked once, not again"),
  },
  {
    ...finished(
      "Slack's own trouble on chat.startStream (service_unavailable) is retried, not a refusal",
      (h) => {
        h.llm.script(stream(1));
        h.slack.failNext("chat.startStream", "service_unavailable");
      },
    ),
    verify: (h) => {
      assert.equal(h.slack.callsTo("chat.startStream").length, 2, "asked again");
      assert.equal(h.slack.callsTo("chat.postMessage").length, 0, "still streamed");
    },
  },
]);
matrix("Slack post-and-edit: Slack faults", { SLACK_STREAMING: "update" }, platformCases(updateCalls));
matrix("Slack: the model does not answer", { SLACK_STREAMING: "auto", LLM_TIMEOUT_MS: "1000" }, [
  unfinished("no answer at all within LLM_TIMEOUT_MS: the user is told", (h) => {
    h.llm.script({ kind: "hang" }, { kind: "hang" });
  }),
  unfinished("the model stops mid-answer: the part shown stays, with the reason", (h) => {
    h.llm.script({ kind: "hang", pieces: answerPieces(1, 4) });
  }),
]);
