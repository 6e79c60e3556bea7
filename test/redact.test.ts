import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger } from "../src/log.js";
import { registerSecret, scrub } from "../src/redact.js";

describe("secret scrubbing", () => {
  const vectors: Array<[string, RegExp]> = [
    ["Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.abc", /Bearer \[redacted\]/],
    ["token xoxb-123456789012-abcdefghijkl", /token \[redacted\]$/],
    ["app token xapp-1-A0123-456-abcdef", /\[redacted\]/],
    ['{"api-key": "0123456789abcdef0123456789abcdef"}', /\[redacted\]/],
    ["redis://user:hunter2hunter2@redis:6379", /redis:\/\/user:\[redacted\]@redis/],
  ];
  for (const [input, expected] of vectors) {
    it(input, () => assert.match(scrub(input), expected));
  }

  it("keeps secrets out of every log line, in messages, fields and errors", () => {
    registerSecret("super-secret-value-42");
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger("info", sink);
    log.info("message with super-secret-value-42");
    log.info(
      { header: "api-key super-secret-value-42", nested: { deep: ["super-secret-value-42"] } },
      "fields",
    );
    log.error({ err: new Error("401 for key super-secret-value-42") }, "failed");
    const all = lines.join("");
    assert.equal(lines.length, 3);
    assert.doesNotMatch(all, /super-secret-value-42/);
    assert.match(all, /\[redacted\]/);
  });
});
