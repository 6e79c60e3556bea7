import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { signSlackBody, verifySlackSignature } from "../../../adapters/slack/signature.js";

// Slack's documented example (docs.slack.dev, "Verifying requests from Slack").
const DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const DOC_TIMESTAMP = "1531420618";
const DOC_BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

describe("Slack request signatures", () => {
  const at = (seconds: number) => Number(DOC_TIMESTAMP) * 1000 + seconds * 1000;
  const check = (overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
    verifySlackSignature({
      signingSecret: DOC_SECRET,
      timestamp: DOC_TIMESTAMP,
      signature: DOC_SIGNATURE,
      rawBody: DOC_BODY,
      nowMs: at(10),
      ...overrides,
    });

  it("matches Slack's documented example", () => {
    assert.equal(signSlackBody(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY), DOC_SIGNATURE);
    assert.deepEqual(check(), { ok: true });
  });

  const vectors: Array<[string, Partial<Parameters<typeof verifySlackSignature>[0]>, string]> = [
    ["a changed body", { rawBody: `${DOC_BODY}&x=1` }, "bad_signature"],
    ["another secret", { signingSecret: "not-the-secret" }, "bad_signature"],
    ["a truncated signature", { signature: DOC_SIGNATURE.slice(0, 20) }, "bad_signature"],
    ["no signature", { signature: undefined }, "missing_headers"],
    ["no timestamp", { timestamp: undefined }, "missing_headers"],
    ["a non-numeric timestamp", { timestamp: "12ab" }, "bad_timestamp"],
    ["a timestamp 5 min 1 s old", { nowMs: at(301) }, "stale_timestamp"],
    ["a timestamp 5 min 1 s ahead", { nowMs: at(-301) }, "stale_timestamp"],
  ];
  for (const [name, overrides, reason] of vectors) {
    it(`refuses ${name}`, () => assert.deepEqual(check(overrides), { ok: false, reason }));
  }

  it("accepts a timestamp exactly 5 minutes old", () =>
    assert.deepEqual(check({ nowMs: at(300) }), { ok: true }));
});
