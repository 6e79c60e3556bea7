// The Slack double checks calls against Slack's method docs and records what does not fit.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { SlackMethodSpecs } from "../doubles/slack/method-spec.js";
import { ALICE, slackError, webClient } from "../doubles/slack/test-support.js";
import { DEFAULT_TEAM, type SlackDouble, startSlackDouble } from "../doubles/slack/web-api-double.js";
import { skipWithoutSpecs } from "../doubles/specs-dir.js";

let double: SlackDouble;
before(async () => {
  double = await startSlackDouble({ rateLimiting: false });
});
after(() => double.close());
afterEach(() => double.reset());

const violations = () => double.specViolations.flatMap((v) => v.errors);

test("an unknown argument is recorded; Slack ignores it, so the call still succeeds", {
  skip: skipWithoutSpecs(),
}, async () => {
  const res = await webClient(double).apiCall("chat.postMessage", {
    channel: "C0SPEC0001",
    text: "x",
    colour: "red",
  });
  assert.equal(res.ok, true);
  assert.deepEqual(violations(), ['chat.postMessage: unknown argument "colour"']);
});

test("a missing required argument is invalid_arguments and recorded", {
  skip: skipWithoutSpecs(),
}, async () => {
  const web = webClient(double);
  assert.equal(
    await slackError(web.apiCall("chat.update", { channel: "C0SPEC0002", text: "x" })),
    "invalid_arguments",
  );
  assert.match(violations().join("\n"), /must have required property 'ts'/);
});

test("a mistyped argument is invalid_arguments: limit must be a number", {
  skip: skipWithoutSpecs(),
}, async () => {
  const web = webClient(double);
  const ts = double.seedMessage({ channel: "C0SPEC0003", user: ALICE, text: "q" });
  assert.equal(
    await slackError(web.apiCall("conversations.replies", { channel: "C0SPEC0003", ts, limit: "ten" })),
    "invalid_arguments",
  );
  assert.match(violations().join("\n"), /conversations.replies\/limit must be number/);
});

test("enums and item limits from the docs apply (task_display_mode, loading_messages)", {
  skip: skipWithoutSpecs(),
}, async () => {
  const web = webClient(double);
  assert.equal(
    await slackError(web.apiCall("chat.startStream", { channel: "D0SPEC0004", task_display_mode: "grid" })),
    "invalid_arguments",
  );
  assert.equal(
    await slackError(
      web.apiCall("assistant.threads.setStatus", {
        channel_id: "D0SPEC0004",
        thread_ts: "1700000000.000001",
        status: "x",
        loading_messages: ["x".repeat(51)],
      }),
    ),
    "invalid_arguments",
  );
  assert.equal(double.specViolations.length, 2);
});

test("JSON bodies: accepted where the docs say json_input_supported, recorded and refused elsewhere", {
  skip: skipWithoutSpecs(),
}, async () => {
  const post = (method: string, body: object) =>
    fetch(`${double.url}${method}`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEFAULT_TEAM.botToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ ok: boolean; error?: string }>);
  const posted = await post("chat.postMessage", {
    channel: "C0SPEC0005",
    text: "x",
    blocks: [{ type: "section", text: { type: "mrkdwn", text: "x" } }],
  });
  assert.equal(posted.ok, true);
  assert.deepEqual(double.specViolations, []);
  assert.equal((await post("users.info", { user: ALICE })).error, "invalid_arguments");
  assert.match(violations().join("\n"), /users.info does not accept JSON bodies/);
});

test("a method the double does not model is unknown_method and recorded", async () => {
  assert.equal(
    await slackError(webClient(double).apiCall("conversations.info", { channel: "C0SPEC0006" })),
    "unknown_method",
  );
  assert.equal(double.specViolations.length, 1);
});

test("thread_ts naming a reply is read as its parent and recorded", async () => {
  const parent = double.seedMessage({ channel: "C0SPEC0007", user: ALICE, text: "q" });
  const reply = double.seedMessage({ channel: "C0SPEC0007", user: ALICE, text: "r", threadTs: parent });
  await webClient(double).chat.postMessage({ channel: "C0SPEC0007", thread_ts: reply, text: "answer" });
  assert.equal(double.thread("C0SPEC0007", parent).at(-1)?.text, "answer");
  assert.match(violations().join("\n"), /is a reply; use its parent's ts/);
});

test("chat.appendStream may carry chunks instead of markdown_text (the SDK's form); neither is refused", async () => {
  const web = webClient(double);
  const started = await web.chat.startStream({ channel: "D0SPEC0008", thread_ts: "1700000000.000001" });
  const ts = String(started.ts);
  await web.chat.appendStream({ channel: "D0SPEC0008", ts, chunks: [{ type: "markdown_text", text: "hi" }] });
  assert.deepEqual(double.specViolations, []);
  assert.equal(await slackError(web.apiCall("chat.appendStream", { channel: "D0SPEC0008", ts })), "no_text");
  assert.equal(double.specViolations.length, 1);
});

test("success answers are checked against the documented output", { skip: skipWithoutSpecs() }, () => {
  const specs = new SlackMethodSpecs(["chat.update", "chat.stopStream"]);
  assert.deepEqual(
    specs.checkOutput("chat.update", {
      ok: true,
      channel: "C1",
      ts: "1.000001",
      text: "x",
      message: { text: "x" },
    }),
    [],
  );
  assert.match(
    specs.checkOutput("chat.update", { ok: true, channel: "C1", ts: "1.000001" }).join("\n"),
    /'text'/,
  );
  assert.match(
    specs
      .checkOutput("chat.stopStream", {
        ok: true,
        channel: "C1",
        ts: "1.000001",
        message: { type: "message" },
      })
      .join(),
    /'ts'/,
  );
});
