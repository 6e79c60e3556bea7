import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decodeThreadKey,
  encodeThreadKey,
  hashTag,
  redisKeys,
  type ThreadRef,
} from "../../src/store/keys.js";
import { usagePeriods } from "../../src/store/usage.js";

const VECTORS: { name: string; ref: ThreadRef; key: string }[] = [
  {
    name: "slack thread",
    ref: { platform: "slack", tenant: "T1", channel: "C1", thread: "171.2" },
    key: "slack:T1:C1:171.2",
  },
  {
    name: "teams channel thread (colons, semicolon)",
    ref: {
      platform: "teams",
      tenant: "72f988bf",
      channel: "19:abc@thread.tacv2;messageid=1700",
      thread: "1700",
    },
    key: "teams:72f988bf:19%3Aabc@thread.tacv2;messageid=1700:1700",
  },
  {
    name: "percent and braces",
    ref: { platform: "console", tenant: "%", channel: "{a}", thread: "50%:{x}" },
    key: "console:%25:%7Ba%7D:50%25%3A%7Bx%7D",
  },
  {
    name: "empty parts",
    ref: { platform: "console", tenant: "", channel: "", thread: "" },
    key: "console:::",
  },
  {
    name: "already-escaped-looking text",
    ref: { platform: "p", tenant: "%3A", channel: "c", thread: "t" },
    key: "p:%253A:c:t",
  },
  {
    name: "unicode",
    ref: { platform: "teams", tenant: "ü", channel: "频道", thread: "🧵" },
    key: "teams:ü:频道:🧵",
  },
];

describe("thread keys", () => {
  for (const { name, ref, key } of VECTORS) {
    it(`encodes and decodes: ${name}`, () => {
      assert.equal(encodeThreadKey(ref), key);
      assert.deepEqual(decodeThreadKey(key), ref);
    });
  }

  it("an encoded key never holds a brace, so it is usable as a Redis hash tag as is", () => {
    for (const { ref } of VECTORS) assert.doesNotMatch(encodeThreadKey(ref), /[{}]/);
  });

  for (const bad of [
    "slack:T1:C1",
    "slack:T1:C1:1:2",
    "a:b:c:%",
    "a:b:c:%3a",
    "a:b:c:%41",
    "a:{b}:c:d",
    "",
  ]) {
    it(`rejects a key it could not have produced: ${JSON.stringify(bad)}`, () => {
      assert.throws(() => decodeThreadKey(bad), /malformed thread key/);
    });
  }
});

describe("redis key names", () => {
  const keys = redisKeys();

  it("puts every key of a thread under the same hash tag and the default prefix", () => {
    const tk = "slack:T1:C1:171.2";
    assert.equal(keys.history(tk), "bot:hist:{slack:T1:C1:171.2}");
    assert.equal(keys.lockQueue(tk), "bot:lockq:{slack:T1:C1:171.2}");
    assert.equal(keys.lockLeases(tk), "bot:lease:{slack:T1:C1:171.2}");
    assert.equal(keys.threadMark(tk), "bot:mark:{slack:T1:C1:171.2}");
  });

  it("hash-tags settings scopes, dedupe ids and usage scopes", () => {
    assert.equal(keys.settings("slack:T1"), "bot:set:{slack:T1}");
    assert.equal(keys.dedupe("Ev123"), "bot:seen:{Ev123}");
    assert.equal(keys.usage("slack:T1", "2025-03"), "bot:use:{slack:T1}:2025-03");
    assert.equal(keys.usage("slack:T1", "2025-03-04"), "bot:use:{slack:T1}:2025-03-04");
  });

  it("puts both keys of a rate budget, and both of a feedback scope, under one hash tag", () => {
    assert.equal(keys.rateTakes("slack:T1:chat.update"), "bot:rate:{slack:T1:chat.update}");
    assert.equal(keys.rateHold("slack:T1:chat.update"), "bot:hold:{slack:T1:chat.update}");
    assert.equal(keys.feedback("slack:T1:C1"), "bot:fb:{slack:T1:C1}");
    assert.equal(keys.feedbackOrder("slack:T1:C1"), "bot:fbt:{slack:T1:C1}");
  });

  it("escapes braces and percent in a tag so it cannot end early or collide", () => {
    assert.equal(hashTag("a}b"), "{a%7Db}");
    assert.equal(hashTag("a{b"), "{a%7Bb}");
    assert.notEqual(hashTag("a{b"), hashTag("a%7Bb"));
  });

  it("gives the empty id a non-empty tag (Redis hashes the whole key for `{}`)", () => {
    assert.equal(hashTag(""), "{%}");
    assert.notEqual(hashTag(""), hashTag("%"));
    assert.equal(keys.lockQueue(""), "bot:lockq:{%}");
  });

  it("takes a custom prefix and refuses one with braces", () => {
    assert.equal(redisKeys("x:").history("t"), "x:hist:{t}");
    assert.throws(() => redisKeys("x{y}:"), /braces/);
  });

  it("names the UTC day and month of a usage period", () => {
    assert.deepEqual(usagePeriods(Date.UTC(2025, 0, 31, 23, 59)), { day: "2025-01-31", month: "2025-01" });
    assert.deepEqual(usagePeriods(Date.UTC(2025, 11, 1)), { day: "2025-12-01", month: "2025-12" });
  });
});
