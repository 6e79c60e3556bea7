// Teams' answers to a stream that breaks the rules, and the violations the double records, through
// the real botbuilder client (which throws RestError {statusCode, code, message} for 4xx).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { TurnContext } from "botbuilder";
import { channelConversationId, personalConversationId } from "../doubles/teams/activities.js";
import {
  inConversation,
  refusal,
  type StreamActivityOptions,
  streamActivity,
} from "../doubles/teams/botbuilder-client.js";
import { startConnectorDouble, type TeamsConnectorDouble } from "../doubles/teams/connector-double.js";

const PACE_MS = 15;

let double: TeamsConnectorDouble;
before(async () => {
  double = await startConnectorDouble({ streamMinIntervalMs: 10, streamLifetimeMs: 60_000 });
});
after(() => double.close());
beforeEach(() => double.reset());

function personal() {
  return { id: personalConversationId(), conversationType: "personal" as const };
}

/** Sends each step PACE_MS apart; the first opens the stream and later ones carry its id. */
async function stream(ctx: TurnContext, steps: StreamActivityOptions[]): Promise<string> {
  const [first, ...rest] = steps;
  if (!first) throw new Error("no steps");
  const started = await ctx.sendActivity(streamActivity(first));
  const streamId = started?.id ?? "";
  for (const step of rest) {
    await sleep(PACE_MS);
    await ctx.sendActivity(streamActivity({ ...step, streamId }));
  }
  return streamId;
}

function kinds(): string[] {
  return double.violations.map((v) => v.kind);
}

test("a sequence gap is accepted and recorded", async () => {
  const conversation = personal();
  await inConversation(double.url, conversation, async (ctx) => {
    await stream(ctx, [
      { text: "A", streamType: "streaming", streamSequence: 1 },
      { text: "A b", streamType: "streaming", streamSequence: 3 },
    ]);
  });
  assert.equal(double.visible(conversation.id)[0]?.text, "A b");
  assert.deepEqual(kinds(), ["sequence-gap"]);
});

test("a repeated sequence is answered 202 with the precondition code and dropped", async () => {
  const conversation = personal();
  await inConversation(double.url, conversation, async (ctx) => {
    await stream(ctx, [
      { text: "A", streamType: "streaming", streamSequence: 1 },
      { text: "A b", streamType: "streaming", streamSequence: 1 },
    ]);
  });
  const last = double.calls.at(-1);
  assert.equal(last?.status, 202);
  assert.deepEqual(last?.response, {
    error: {
      code: "ContentStreamSequenceOrderPreConditionFailed",
      message: "PreCondition failed exception when processing streaming activity.",
    },
  });
  assert.equal(
    double.visible(conversation.id)[0]?.text,
    "A",
    "the bot saw success, the user saw nothing new",
  );
  assert.deepEqual(kinds(), ["sequence-not-increasing"]);
});

test("an update without the whole text so far is refused with 403 ContentStreamNotAllowed", async () => {
  const conversation = personal();
  let refused: Awaited<ReturnType<typeof refusal>> | undefined;
  await inConversation(double.url, conversation, async (ctx) => {
    const streamId = await stream(ctx, [{ text: "A brown", streamType: "streaming", streamSequence: 1 }]);
    await sleep(PACE_MS);
    refused = await refusal(
      ctx.sendActivity(
        streamActivity({ text: " fox", streamType: "streaming", streamSequence: 2, streamId }),
      ),
    );
  });
  assert.deepEqual(refused, {
    statusCode: 403,
    code: "ContentStreamNotAllowed",
    message: "Request streamed content should contain the previously streamed content",
    retryAfter: undefined,
  });
  assert.equal(double.visible(conversation.id)[0]?.text, "A brown");
  assert.deepEqual(kinds(), ["text-not-cumulative"]);
});

test("a request sent before the previous one was answered is an overlap", async () => {
  const conversation = personal();
  const slow = await startConnectorDouble({ streamMinIntervalMs: 0, latencyMs: 40 });
  try {
    await inConversation(slow.url, conversation, async (ctx) => {
      const started = await ctx.sendActivity(
        streamActivity({ text: "A", streamType: "streaming", streamSequence: 1 }),
      );
      const streamId = started?.id;
      await Promise.all([
        ctx.sendActivity(
          streamActivity({ text: "A b", streamType: "streaming", streamSequence: 2, streamId }),
        ),
        sleep(5).then(() =>
          ctx.sendActivity(
            streamActivity({ text: "A b c", streamType: "streaming", streamSequence: 3, streamId }),
          ),
        ),
      ]);
    });
    assert.deepEqual(
      slow.violations.map((v) => v.kind),
      ["overlapping-request"],
    );
  } finally {
    await slow.close();
  }
});

test("an update faster than the pace gets 429 Retry-After: 1, which botbuilder itself waits out and retries", async () => {
  const conversation = personal();
  const paced = await startConnectorDouble({ streamMinIntervalMs: 500 });
  try {
    const started = Date.now();
    await inConversation(paced.url, conversation, async (ctx) => {
      const first = await ctx.sendActivity(
        streamActivity({ text: "A", streamType: "streaming", streamSequence: 1 }),
      );
      await ctx.sendActivity(
        streamActivity({ text: "A b", streamType: "streaming", streamSequence: 2, streamId: first?.id }),
      );
    });
    const tooFast = paced.calls[1];
    assert.equal(tooFast?.status, 429);
    assert.equal(tooFast?.headers["retry-after"], "1");
    assert.deepEqual(tooFast?.response, {
      error: { code: "Throttled", message: "API calls quota exceeded" },
    });
    assert.deepEqual(
      paced.calls.map((c) => c.status),
      [201, 429, 202],
    );
    assert.ok(Date.now() - started >= 1_000, "the retry came after Retry-After");
    assert.deepEqual(
      paced.violations.map((v) => v.kind),
      ["too-fast"],
    );
    assert.equal(paced.rateLimited[conversation.id], 1);
  } finally {
    await paced.close();
  }
});

test("after the user presses Stop, updates get 403 'canceled by user' and the shown text stays", async () => {
  const conversation = personal();
  const refused: Array<Awaited<ReturnType<typeof refusal>>> = [];
  await inConversation(double.url, conversation, async (ctx) => {
    const streamId = await stream(ctx, [
      { text: "Thinking", streamType: "informative", streamSequence: 1 },
      { text: "Part one", streamType: "streaming", streamSequence: 2 },
    ]);
    double.stopStreamAsUser(conversation.id, streamId);
    await sleep(PACE_MS);
    refused.push(
      await refusal(
        ctx.sendActivity(
          streamActivity({ text: "Part one, two", streamType: "streaming", streamSequence: 3, streamId }),
        ),
      ),
    );
    await sleep(PACE_MS);
    refused.push(
      await refusal(ctx.sendActivity(streamActivity({ text: "Part one", streamType: "final", streamId }))),
    );
  });
  for (const r of refused) {
    assert.equal(r.statusCode, 403);
    assert.equal(r.code, "ContentStreamNotAllowed");
    assert.equal(r.message, "Content stream was canceled by user.");
  }
  const [shown] = double.visible(conversation.id);
  assert.equal(shown?.text, "Part one");
  assert.equal(shown?.stream, "stopped");
  assert.deepEqual(
    kinds(),
    ["request-after-stream-ended"],
    "the second request after Stop is the bot's fault",
  );
});

test("a stream older than its lifetime is refused; updateActivity on its message still works", async () => {
  const conversation = personal();
  const short = await startConnectorDouble({ timeScale: 0.001 });
  try {
    let refused: Awaited<ReturnType<typeof refusal>> | undefined;
    let streamId = "";
    await inConversation(short.url, conversation, async (ctx) => {
      const first = await ctx.sendActivity(
        streamActivity({ text: "Long", streamType: "streaming", streamSequence: 1 }),
      );
      streamId = first?.id ?? "";
      await sleep(150);
      refused = await refusal(
        ctx.sendActivity(streamActivity({ text: "Long answer", streamType: "final", streamId })),
      );
      await ctx.updateActivity({ type: "message", id: streamId, text: "Long answer" });
    });
    assert.equal(refused?.statusCode, 403);
    assert.equal(refused?.message, "Content stream finished due to exceeded streaming time.");
    const shown = short.message(conversation.id, streamId);
    assert.equal(shown?.text, "Long answer");
    assert.equal(shown?.stream, "timedOut");
    assert.equal(shown?.updated, true);
    assert.deepEqual(short.violations, []);
  } finally {
    await short.close();
  }
});

test("a request after the final message gets 403 'already completed'", async () => {
  const conversation = personal();
  let refused: Awaited<ReturnType<typeof refusal>> | undefined;
  await inConversation(double.url, conversation, async (ctx) => {
    const streamId = await stream(ctx, [
      { text: "Done", streamType: "streaming", streamSequence: 1 },
      { text: "Done.", streamType: "final" },
    ]);
    await sleep(PACE_MS);
    refused = await refusal(
      ctx.sendActivity(
        streamActivity({ text: "Done. More", streamType: "streaming", streamSequence: 2, streamId }),
      ),
    );
  });
  assert.equal(refused?.statusCode, 403);
  assert.equal(refused?.message, "Content stream is not allowed on an already completed streamed message");
  assert.deepEqual(kinds(), ["request-after-stream-ended"]);
});

test("streaming in a channel or group chat is refused with BadArgument 'streaming api is not enabled'", async () => {
  for (const conversation of [
    { id: `${channelConversationId()};messageid=1700000000001`, conversationType: "channel" as const },
    { id: "19:group@thread.v2", conversationType: "groupChat" as const },
  ]) {
    let refused: Awaited<ReturnType<typeof refusal>> | undefined;
    await inConversation(double.url, conversation, async (ctx) => {
      refused = await refusal(
        ctx.sendActivity(streamActivity({ text: "Hi", streamType: "informative", streamSequence: 1 })),
      );
    });
    assert.equal(refused?.statusCode, 400);
    assert.equal(refused?.code, "BadArgument");
    assert.match(refused?.message.toLowerCase() ?? "", /streaming api is not enabled/);
    assert.deepEqual(double.visible(conversation.id), []);
  }
  assert.deepEqual(kinds(), ["stream-outside-personal", "stream-outside-personal"]);
});

test("malformed streaming requests get Teams' 400s", async () => {
  const conversation = personal();
  const answers: Array<[number | undefined, string | undefined, string]> = [];
  await inConversation(double.url, conversation, async (ctx) => {
    const record = async (call: Promise<unknown>) => {
      const r = await refusal(call);
      answers.push([r.statusCode, r.code, r.message]);
    };
    await record(
      ctx.sendActivity(streamActivity({ text: "", streamType: "informative", streamSequence: 1 })),
    );
    // The entity alone: what a bot that skips channelData puts on the wire through botbuilder 4.23.
    await record(ctx.sendActivity({ type: "typing", text: "Hi", entities: [{ type: "streaminfo" }] }));
    await record(ctx.sendActivity(streamActivity({ text: "Hi", streamType: "final", streamSequence: 1 })));
    await record(
      ctx.sendActivity({ type: "typing", text: "Hi", channelData: { streamType: "final", streamId: "x" } }),
    );
  });
  assert.deepEqual(answers, [
    [400, "BadRequest", "Start streaming activities should include text"],
    [400, "BadRequest", "streamSequence is required for streaming requests"],
    [400, "BadRequest", "The final streaming message must carry the streamId"],
    [400, "BadSyntax", "Only start streaming and continue streaming types are allowed as a typing activity"],
  ]);
  assert.deepEqual(kinds(), ["missing-text", "sequence-missing", "unknown-stream", "bad-stream-type"]);
});

describe("Teams ends a stream on its side", { timeout: 30_000 }, () => {
  const TIME_LIMIT = {
    statusCode: 403,
    code: "ContentStreamNotAllowed",
    message: "Content stream finished due to exceeded streaming time.",
    retryAfter: undefined,
  };

  test("endStream: the next request gets the time limit's 403; updateActivity on the message still works", async () => {
    const conversation = personal();
    let refused: Awaited<ReturnType<typeof refusal>> | undefined;
    let streamId = "";
    await inConversation(double.url, conversation, async (ctx) => {
      streamId = await stream(ctx, [
        { text: "Part one", streamType: "streaming", streamSequence: 1 },
        { text: "Part one, two", streamType: "streaming", streamSequence: 2 },
      ]);
      double.endStream(conversation.id, streamId);
      await sleep(PACE_MS);
      refused = await refusal(
        ctx.sendActivity(streamActivity({ text: "Part one, two", streamType: "final", streamId })),
      );
      await ctx.updateActivity({ type: "message", id: streamId, text: "Part one, two" });
    });
    assert.deepEqual(refused, TIME_LIMIT);
    const shown = double.message(conversation.id, streamId);
    assert.equal(shown?.text, "Part one, two");
    assert.equal(shown?.stream, "timedOut");
    assert.equal(shown?.updated, true);
    assert.deepEqual(kinds(), []);
  });

  test("streamEndsAfterRequests: the stream takes that many requests, then answers the time limit", async () => {
    const limited = await startConnectorDouble({ streamMinIntervalMs: 10, streamEndsAfterRequests: 3 });
    try {
      const conversation = personal();
      const answers: number[] = [];
      let refused: Awaited<ReturnType<typeof refusal>> | undefined;
      await inConversation(limited.url, conversation, async (ctx) => {
        const streamId = await stream(ctx, [
          { text: "Thinking", streamType: "informative", streamSequence: 1 },
          { text: "One", streamType: "streaming", streamSequence: 2 },
          { text: "One two", streamType: "streaming", streamSequence: 3 },
        ]);
        answers.push(...limited.calls.map((c) => c.status));
        await sleep(PACE_MS);
        refused = await refusal(
          ctx.sendActivity(
            streamActivity({ text: "One two three", streamType: "streaming", streamSequence: 4, streamId }),
          ),
        );
        await sleep(PACE_MS);
        await refusal(ctx.sendActivity(streamActivity({ text: "One two", streamType: "final", streamId })));
      });
      assert.deepEqual(answers, [201, 202, 202]);
      assert.deepEqual(refused, TIME_LIMIT);
      const [shown] = limited.visible(conversation.id);
      assert.equal(shown?.text, "One two", "what was shown stays");
      assert.equal(shown?.stream, "timedOut");
      assert.deepEqual(
        limited.violations.map((v) => v.kind),
        ["request-after-stream-ended"],
        "the first 403 is how the bot learns; a final after it is the bot's fault",
      );
    } finally {
      await limited.close();
    }
  });

  test("streamEndsAfterRequests keeps the stream's rules before the end: pace and whole-text updates", async () => {
    const limited = await startConnectorDouble({ streamMinIntervalMs: 200, streamEndsAfterRequests: 3 });
    try {
      const conversation = personal();
      let notCumulative: Awaited<ReturnType<typeof refusal>> | undefined;
      await inConversation(limited.url, conversation, async (ctx) => {
        const first = await ctx.sendActivity(
          streamActivity({ text: "A brown", streamType: "streaming", streamSequence: 1 }),
        );
        const streamId = first?.id;
        // Too soon: 429, which botbuilder waits out (Retry-After: 1) and retries.
        await ctx.sendActivity(
          streamActivity({ text: "A brown fox", streamType: "streaming", streamSequence: 2, streamId }),
        );
        await sleep(250);
        notCumulative = await refusal(
          ctx.sendActivity(
            streamActivity({ text: " jumps", streamType: "streaming", streamSequence: 3, streamId }),
          ),
        );
      });
      assert.deepEqual(
        limited.calls.map((c) => c.status),
        [201, 429, 202, 403],
      );
      assert.equal(
        notCumulative?.message,
        "Request streamed content should contain the previously streamed content",
      );
      assert.deepEqual(
        limited.violations.map((v) => v.kind),
        ["too-fast", "text-not-cumulative"],
      );
      assert.equal(
        limited.visible(conversation.id)[0]?.stream,
        "streaming",
        "a refused request is not counted",
      );
    } finally {
      await limited.close();
    }
  });

  test("endStream with another answer: a 403 with neither code nor message", async () => {
    const conversation = personal();
    let refused: Awaited<ReturnType<typeof refusal>> | undefined;
    let streamId = "";
    await inConversation(double.url, conversation, async (ctx) => {
      streamId = await stream(ctx, [{ text: "Part one", streamType: "streaming", streamSequence: 1 }]);
      double.endStream(conversation.id, streamId, { status: 403 });
      await sleep(PACE_MS);
      refused = await refusal(
        ctx.sendActivity(
          streamActivity({ text: "Part one, two", streamType: "streaming", streamSequence: 2, streamId }),
        ),
      );
    });
    assert.equal(refused?.statusCode, 403);
    assert.equal(refused?.code, undefined);
    const shown = double.message(conversation.id, streamId);
    assert.equal(shown?.text, "Part one");
    assert.equal(shown?.stream, "ended");
    assert.deepEqual(kinds(), []);
  });
});
