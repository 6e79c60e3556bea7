// Rate tiers of the Slack double: strict sliding windows per method per workspace, 429 with
// Retry-After, and what the real WebClient makes of it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WebAPIRateLimitedError } from "@slack/web-api";
import { ALICE, manualClock, TEAM, webClient } from "../doubles/slack/test-support.js";
import { DEFAULT_TEAM, startSlackDouble } from "../doubles/slack/web-api-double.js";

const TIER_3_PER_MINUTE = 50;
const TIER_2_PER_MINUTE = 20;
/** 0.05 turns Tier 3's minute into 3 s. */
const TIME_SCALE = 0.05;

test("Tier 3 at timeScale 0.05: 50 chat.update calls pass, the 51st is a 429 the client rejects with retryAfter", async () => {
  const double = await startSlackDouble({ timeScale: TIME_SCALE });
  try {
    const web = webClient(double);
    const posted = await web.chat.postMessage({ channel: "C0RATE0001", text: "v0" });
    const ts = String(posted.ts);
    for (let i = 1; i <= TIER_3_PER_MINUTE; i++)
      await web.chat.update({ channel: "C0RATE0001", ts, text: `v${i}` });
    await assert.rejects(
      web.chat.update({ channel: "C0RATE0001", ts, text: "too fast" }),
      (error) => error instanceof WebAPIRateLimitedError && error.retryAfter >= 1 && error.retryAfter <= 3,
    );
    assert.equal(double.rateLimited["chat.update"], 1);
    assert.equal(double.visibleText("C0RATE0001", ts), `v${TIER_3_PER_MINUTE}`);

    const raw = await fetch(`${double.url}chat.update`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${DEFAULT_TEAM.botToken}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ channel: "C0RATE0001", ts, text: "x" }).toString(),
    });
    assert.equal(raw.status, 429);
    assert.match(raw.headers.get("retry-after") ?? "", /^[1-3]$/);
    assert.deepEqual(await raw.json(), { ok: false, error: "ratelimited" });
    assert.deepEqual(double.specViolations, []);
  } finally {
    await double.close();
  }
});

test("the window slides: Retry-After is whole seconds until the oldest call leaves it; refused calls do not count", async () => {
  const clock = manualClock();
  const double = await startSlackDouble({ now: clock.now });
  try {
    const web = webClient(double);
    const start = () =>
      web.chat
        .startStream({ channel: "D0RATE0002", thread_ts: "1700000000.000001" })
        .then(() => "ok")
        .catch((error: unknown) => (error instanceof WebAPIRateLimitedError ? error.retryAfter : "other"));
    for (let i = 0; i < TIER_2_PER_MINUTE; i++) {
      assert.equal(await start(), "ok");
      clock.advance(1_000);
    }
    // 20 calls at t=0..19 s, now t=20 s: the first leaves the window at t=60 s.
    assert.equal(await start(), 40);
    clock.advance(39_500);
    assert.equal(await start(), 1);
    clock.advance(500);
    assert.equal(await start(), "ok");
    assert.equal(double.rateLimited["chat.startStream"], 2);
  } finally {
    await double.close();
  }
});

test("chat.postMessage: one per second per channel, other channels and workspaces unaffected", async () => {
  const clock = manualClock();
  const double = await startSlackDouble({
    now: clock.now,
    teams: [
      DEFAULT_TEAM,
      { teamId: "T0000OTHER", botToken: "xoxb-other", botUserId: "U0OTHERBOT", botId: "B0OTHERBOT" },
    ],
  });
  try {
    const web = webClient(double);
    const post = (channel: string, client = web) =>
      client.chat
        .postMessage({ channel, text: "x" })
        .then(() => "ok")
        .catch((error: unknown) => (error instanceof WebAPIRateLimitedError ? error.retryAfter : "other"));
    assert.equal(await post("C0RATE0003"), "ok");
    assert.equal(await post("C0RATE0003"), 1);
    assert.equal(await post("C0RATE0004"), "ok");
    assert.equal(await post("C0OTHER001", webClient(double, "xoxb-other")), "ok");
    clock.advance(999);
    assert.equal(await post("C0RATE0003"), 1);
    clock.advance(1);
    assert.equal(await post("C0RATE0003"), "ok");
  } finally {
    await double.close();
  }
});

test("Retry-After never drops below 1 s however small the timeScale", async () => {
  // At 0.001 a one-per-ten-minutes rule lasts 600 ms (long enough that a busy machine's second
  // call still lands inside it): the wait is under a second, the answer still says 1 s.
  const double = await startSlackDouble({
    timeScale: 0.001,
    rateLimits: { "users.info": { limit: 1, windowMs: 600_000 } },
  });
  try {
    const web = webClient(double);
    await web.users.info({ user: ALICE });
    await assert.rejects(
      web.users.info({ user: ALICE }),
      (error) => error instanceof WebAPIRateLimitedError && error.retryAfter === 1,
    );
  } finally {
    await double.close();
  }
});

test("rate rules can be overridden or switched off per method; injected 429s carry Retry-After", async () => {
  const double = await startSlackDouble({
    rateLimits: { "users.info": { limit: 1, windowMs: 60_000 }, "chat.postMessage": null },
  });
  try {
    const web = webClient(double);
    await web.users.info({ user: ALICE });
    await assert.rejects(web.users.info({ user: ALICE }), WebAPIRateLimitedError);
    for (let i = 0; i < 3; i++) await web.chat.postMessage({ channel: "C0RATE0006", text: `${i}` });
    double.failNext("auth.test", "ratelimited", { status: 429, retryAfterSeconds: 7 });
    await assert.rejects(
      web.auth.test(),
      (error) => error instanceof WebAPIRateLimitedError && error.retryAfter === 7,
    );
    assert.deepEqual(double.rateLimited, { "users.info": 1, "auth.test": 1 });
    assert.equal((await web.auth.test()).team_id, TEAM);
  } finally {
    await double.close();
  }
});

test("an org-wide token: each workspace of the org has its own budget, a workspace of another org is out of reach", async () => {
  const teams = ["T0000ORG01", "T0000ORG02"].map((teamId, i) => ({
    ...DEFAULT_TEAM,
    teamId,
    enterpriseId: "E0000GRID1",
    users: [{ id: `U0000ORG0${i}`, name: `user${i}` }],
  }));
  const outsider = { ...DEFAULT_TEAM, teamId: "T0000OUT01", botToken: "xoxb-other-org" };
  const double = await startSlackDouble({ timeScale: TIME_SCALE, teams: [...teams, outsider] });
  try {
    double.addChannel("C0ORGA0001", { teamId: "T0000ORG01" });
    double.addChannel("C0ORGB0001", { teamId: "T0000ORG02" });
    double.addChannel("C0OUTS0001", { teamId: "T0000OUT01" });
    const web = webClient(double, DEFAULT_TEAM.botToken);
    const posts = await Promise.all(
      ["C0ORGA0001", "C0ORGB0001"].map(async (channel) => {
        const posted = await web.chat.postMessage({ channel, text: "v0" });
        return { channel, ts: String(posted.ts) };
      }),
    );
    // A full Tier 3 minute in each workspace: neither borrows from the other.
    for (const { channel, ts } of posts) {
      for (let i = 1; i <= TIER_3_PER_MINUTE; i++)
        await web.chat.update({ channel: channel, ts, text: `v${i}` });
    }
    assert.deepEqual(double.rateLimited, {});
    await assert.rejects(
      web.chat.update({ channel: "C0ORGA0001", ts: posts[0]?.ts ?? "", text: "too fast" }),
      WebAPIRateLimitedError,
    );
    await assert.rejects(web.chat.postMessage({ channel: "C0OUTS0001", text: "hi" }), /channel_not_found/);
    assert.deepEqual(double.specViolations, []);
  } finally {
    await double.close();
  }
});
