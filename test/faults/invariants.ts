// What must hold after any fault, whatever broke: checked by every case of the fault matrix.
//   1. No reply is left on a placeholder, a "Thinking…" status or an open stream.
//   2. No duplicate reply: each answer shows at most once (exactly once when it finished).
//   3. Every finished turn is in history exactly once, in order (and nothing else is).
//   4. Every unfinished answer shows a reason.
// Each scripted answer starts with a marker no other answer contains ("«3»"), so a reply can be
// told apart from its duplicate without relying on message order or timestamps.
import assert from "node:assert/strict";
import type { StoredMessage } from "../../src/store/types.js";
import type { SlackDouble } from "../doubles/slack/web-api-double.js";
import type { TeamsConnectorDouble } from "../doubles/teams/double-types.js";

export interface Turn {
  /** The user's text as the engine stores it (mention removed). */
  question: string;
  /** What the model streams; starts with `marker(n)`. */
  answer: string;
  /** finished: the whole answer must reach the user; unfinished: it was cut and must say why. */
  expect: "finished" | "unfinished";
}

/** One bot message as the user sees it. */
export interface Shown {
  text: string;
  /** Still a placeholder, a status line or a stream that was never ended. */
  open: boolean;
}

export const marker = (n: number) => `«${n}»`;

/** Turn n's answer: its marker, `words` words, "end.", streamed `delayMs` apart; and its whole text. */
export function scriptedAnswer(n: number, words: number, delayMs: number) {
  const pieces = [`${marker(n)} `, ...Array.from({ length: words }, (_, i) => `w${i + 1} `), "end."];
  return { scenario: { kind: "stream" as const, pieces, delayMs }, text: pieces.join("") };
}

/** The sentence starts every failure note can have (src/user-messages.ts), after the ⚠️. */
export const REASON =
  /⚠️ |^(The AI service|The answer was|I was restarting|Something went wrong|My memory store)/m;

const SLACK_PLACEHOLDER = "_Thinking…_";

/** The bot's messages in a Slack thread, parent excluded. */
export function slackShown(slack: SlackDouble, channel: string, root: string): Shown[] {
  return slack
    .thread(channel, root)
    .filter((m) => m.botId !== undefined)
    .map((m) => ({ text: m.text, open: m.streaming === "streaming" || m.text === SLACK_PLACEHOLDER }));
}

/** The bot's messages in a Teams conversation (a channel thread's id carries ;messageid=). */
export function teamsShown(connector: TeamsConnectorDouble, conversationId: string): Shown[] {
  return connector.visible(conversationId).map((m) => ({
    text: m.text,
    open: m.stream === "streaming" || m.stream === "informative",
  }));
}

export function assertInvariants(context: {
  shown: Shown[];
  turns: Turn[];
  history: StoredMessage[];
  /** What the user sees as the reason an answer did not finish (default REASON). */
  reason?: RegExp;
  what?: string;
}): void {
  const { shown, turns, history } = context;
  const label = context.what ? `${context.what}: ` : "";
  const all = shown.map((m) => m.text).join("\n");
  const dump = `\n--- shown ---\n${shown.map((m) => `${m.open ? "[OPEN] " : ""}${m.text}`).join("\n---\n")}`;

  const open = shown.filter((m) => m.open);
  assert.equal(open.length, 0, `${label}a reply was left open${dump}`);

  turns.forEach((turn, i) => {
    const count = occurrences(all, marker(i + 1));
    if (turn.expect === "finished") {
      assert.equal(count, 1, `${label}answer ${i + 1} shown ${count} times${dump}`);
      // Continuations split the text across messages (at a space, which a follow-up may drop);
      // joined back it must be the whole answer.
      const joined = squash(shown.map((m) => m.text).join(" "));
      assert.ok(joined.includes(squash(turn.answer)), `${label}answer ${i + 1} is not whole${dump}`);
    } else {
      assert.ok(count <= 1, `${label}unfinished answer ${i + 1} shown ${count} times${dump}`);
    }
  });

  const unfinished = turns.filter((t) => t.expect === "unfinished").length;
  const reasons = shown.filter((m) => (context.reason ?? REASON).test(m.text)).length;
  assert.equal(
    reasons,
    unfinished,
    `${label}${unfinished} unfinished answers, ${reasons} reasons shown${dump}`,
  );

  const expected = turns
    .filter((t) => t.expect === "finished")
    .flatMap((t) => [
      { role: "user", content: t.question },
      { role: "assistant", content: t.answer },
    ]);
  assert.deepEqual(
    history.map((m) => ({ role: m.role, content: m.content })),
    expected,
    `${label}history is not every finished turn once, in order`,
  );
}

function squash(text: string): string {
  return text.replace(/\s+/g, " ");
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
