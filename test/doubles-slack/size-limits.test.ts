// Size limits of the Slack double: text, markdown_text, section and markdown blocks, block count.
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import {
  MARKDOWN_TEXT_MAX_CHARS,
  MAX_BLOCKS,
  SECTION_TEXT_MAX_CHARS,
  TEXT_MAX_CHARS,
} from "../doubles/slack/limits.js";
import { ALICE, slackError, TEAM, webClient } from "../doubles/slack/test-support.js";
import { DEFAULT_TEAM, type SlackDouble, startSlackDouble } from "../doubles/slack/web-api-double.js";

let double: SlackDouble;
before(async () => {
  double = await startSlackDouble({ rateLimiting: false });
});
after(() => double.close());
afterEach(() => {
  assert.deepEqual(double.specViolations, []);
  double.reset();
});

const section = (chars: number) => ({ type: "section", text: { type: "mrkdwn", text: "x".repeat(chars) } });

test("text: 4,000 characters post and update; one more is msg_too_long", async () => {
  const web = webClient(double);
  const ok = await web.chat.postMessage({ channel: "C0SIZE0001", text: "x".repeat(TEXT_MAX_CHARS) });
  const long = "x".repeat(TEXT_MAX_CHARS + 1);
  assert.equal(await slackError(web.chat.postMessage({ channel: "C0SIZE0001", text: long })), "msg_too_long");
  assert.equal(
    await slackError(web.chat.update({ channel: "C0SIZE0001", ts: String(ok.ts), text: long })),
    "msg_too_long",
  );
});

test("markdown_text: 12,000 characters pass; one more is msg_too_long, also on chat.appendStream", async () => {
  const web = webClient(double);
  await web.chat.postMessage({ channel: "C0SIZE0002", markdown_text: "x".repeat(MARKDOWN_TEXT_MAX_CHARS) });
  const long = "x".repeat(MARKDOWN_TEXT_MAX_CHARS + 1);
  assert.equal(
    await slackError(web.chat.postMessage({ channel: "C0SIZE0002", markdown_text: long })),
    "msg_too_long",
  );
  const parent = double.seedMessage({ channel: "C0SIZE0002", user: ALICE, text: "q" });
  const started = await web.chat.startStream({
    channel: "C0SIZE0002",
    thread_ts: parent,
    recipient_user_id: ALICE,
    recipient_team_id: TEAM,
  });
  assert.equal(
    await slackError(
      web.chat.appendStream({ channel: "C0SIZE0002", ts: String(started.ts), markdown_text: long }),
    ),
    "msg_too_long",
  );
});

test("a section block over 3,000 characters is invalid_blocks, with Slack's json-pointer message", async () => {
  const web = webClient(double);
  await web.chat.postMessage({
    channel: "C0SIZE0003",
    text: "ok",
    blocks: [section(SECTION_TEXT_MAX_CHARS) as never],
  });
  try {
    await web.chat.postMessage({
      channel: "C0SIZE0003",
      text: "x",
      blocks: [section(SECTION_TEXT_MAX_CHARS + 1) as never],
    });
    assert.fail("accepted");
  } catch (error) {
    const data = (error as { data: { error: string; response_metadata: { messages: string[] } } }).data;
    assert.equal(data.error, "invalid_blocks");
    assert.deepEqual(data.response_metadata.messages, [
      "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ]);
  }
});

test("50 blocks pass, 51 are invalid_blocks", async () => {
  const web = webClient(double);
  const blocks = (n: number) => Array.from({ length: n }, () => section(10) as never);
  await web.chat.postMessage({ channel: "C0SIZE0004", text: "x", blocks: blocks(MAX_BLOCKS) });
  assert.equal(
    await slackError(
      web.chat.postMessage({ channel: "C0SIZE0004", text: "x", blocks: blocks(MAX_BLOCKS + 1) }),
    ),
    "invalid_blocks",
  );
});

test("markdown blocks: one over 12,000 is invalid_blocks; several over 12,000 in total are msg_blocks_too_long", async () => {
  const web = webClient(double);
  const markdown = (chars: number) => ({ type: "markdown", text: "x".repeat(chars) }) as never;
  assert.equal(
    await slackError(web.chat.postMessage({ channel: "C0SIZE0005", text: "x", blocks: [markdown(12_001)] })),
    "invalid_blocks",
  );
  assert.equal(
    await slackError(
      web.chat.postMessage({ channel: "C0SIZE0005", text: "x", blocks: [markdown(7_000), markdown(7_000)] }),
    ),
    "msg_blocks_too_long",
  );
});

test("blocks that are not JSON are invalid_blocks_format", async () => {
  const res = await fetch(`${double.url}chat.postMessage`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${DEFAULT_TEAM.botToken}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ channel: "C0SIZE0006", text: "x", blocks: "[{not json" }).toString(),
  });
  assert.deepEqual(await res.json(), { ok: false, error: "invalid_blocks_format" });
});
