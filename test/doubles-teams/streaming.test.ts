// A personal-chat stream driven through the real botbuilder client: informative update, streaming
// updates with the whole text so far, and the final message with feedback enabled.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { personalConversationId } from "../doubles/teams/activities.js";
import { inConversation, streamActivity } from "../doubles/teams/botbuilder-client.js";
import { startConnectorDouble, type TeamsConnectorDouble } from "../doubles/teams/connector-double.js";

/** 1 s pacing becomes 20 ms (the lifetime is pinned so a slow machine cannot hit it). */
const TIME_SCALE = 0.02;
const PACE_MS = 30;

let double: TeamsConnectorDouble;
before(async () => {
  double = await startConnectorDouble({ timeScale: TIME_SCALE, streamLifetimeMs: 60_000 });
});
after(() => double.close());
beforeEach(() => double.reset());

test("informative, streaming ×3 and final show as one message that grows", async () => {
  const conversation = { id: personalConversationId(), conversationType: "personal" as const };
  const seen: string[] = [];
  let streamId = "";
  await inConversation(double.url, conversation, async (ctx) => {
    const first = await ctx.sendActivity(
      streamActivity({ text: "Searching your documents…", streamType: "informative", streamSequence: 1 }),
    );
    streamId = first?.id ?? "";
    assert.ok(streamId, "botbuilder surfaces the 201 body's id");
    seen.push(double.message(conversation.id, streamId)?.text ?? "");
    const chunks = ["The answer", "The answer is", "The answer is 42."];
    for (const [i, text] of chunks.entries()) {
      await sleep(PACE_MS);
      const answer = await ctx.sendActivity(
        streamActivity({ text, streamType: "streaming", streamSequence: i + 2, streamId }),
      );
      assert.equal(answer?.id, undefined, "later updates answer 202 {}");
      seen.push(double.message(conversation.id, streamId)?.text ?? "");
    }
    await sleep(PACE_MS);
    await ctx.sendActivity(
      streamActivity({
        text: "The answer is 42.",
        streamType: "final",
        streamId,
        channelData: { feedbackLoopEnabled: true },
      }),
    );
  });

  assert.deepEqual(double.violations, []);
  assert.deepEqual(seen, ["Searching your documents…", "The answer", "The answer is", "The answer is 42."]);
  const shown = double.visible(conversation.id);
  assert.equal(shown.length, 1);
  const [final] = shown;
  assert.equal(final?.id, streamId);
  assert.equal(final?.text, "The answer is 42.");
  assert.equal(final?.stream, "final");
  assert.equal(final?.feedbackLoop, true);
  assert.equal(
    final?.replyToId,
    double.calls[0]?.activityId,
    "the turn's activity, as replyToActivity sends it",
  );
  const statuses = double.calls.map((c) => [c.route, c.status]);
  assert.deepEqual(statuses, [
    ["reply", 201],
    ["reply", 202],
    ["reply", 202],
    ["reply", 202],
    ["reply", 202],
  ]);
});

test("the stream info reaches the wire only through channelData: botbuilder strips the entity", async () => {
  const conversation = { id: personalConversationId(), conversationType: "personal" as const };
  await inConversation(double.url, conversation, async (ctx) => {
    await ctx.sendActivity(
      streamActivity({ text: "Thinking", streamType: "informative", streamSequence: 1 }),
    );
  });
  const [call] = double.calls;
  const body = call?.body as { entities: unknown[]; channelData: Record<string, unknown> };
  assert.deepEqual(body.entities, [{ type: "streaminfo" }]);
  assert.deepEqual(body.channelData, { streamType: "informative", streamSequence: 1 });
  assert.deepEqual(double.violations, []);
});

test("an informative update after text has streamed is accepted but no longer shown", async () => {
  const conversation = { id: personalConversationId(), conversationType: "personal" as const };
  await inConversation(double.url, conversation, async (ctx) => {
    const first = await ctx.sendActivity(
      streamActivity({ text: "Hello", streamType: "streaming", streamSequence: 1 }),
    );
    await sleep(PACE_MS);
    await ctx.sendActivity(
      streamActivity({
        text: "Still working",
        streamType: "informative",
        streamSequence: 2,
        streamId: first?.id,
      }),
    );
  });
  assert.equal(double.visible(conversation.id)[0]?.text, "Hello");
  assert.deepEqual(
    double.violations.map((v) => v.kind),
    ["informative-after-streaming"],
  );
});

test("a plain typing indicator is not a stream and shows no message", async () => {
  const conversation = { id: personalConversationId(), conversationType: "personal" as const };
  await inConversation(double.url, conversation, async (ctx) => {
    await ctx.sendActivity({ type: "typing" });
  });
  assert.deepEqual(double.visible(conversation.id), []);
  assert.equal(double.conversation(conversation.id)?.typingIndicators, 1);
});
