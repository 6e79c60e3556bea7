import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BotError, type ErrorCode } from "../../src/errors.js";
import { RATE_LIMIT_FALLBACK_WAIT_MS } from "../../src/llm/error-mapping.js";
import { retryDelayMs, TRANSIENT_RETRY_DELAY_MS } from "../../src/llm/retry.js";

const limits = { maxRateLimitRetries: 2, maxRetryWaitMs: 10_000 };
const fresh = { rateLimitRetries: 0, transientRetries: 0 };
const plenty = 60_000;

const vectors: Array<{
  name: string;
  code: ErrorCode;
  asked?: number;
  state?: { rateLimitRetries: number; transientRetries: number };
  remainingMs?: number;
  wait: number | undefined;
}> = [
  { name: "429 honours retry-after", code: "llm_rate_limited", asked: 1_500, wait: 1_500 },
  { name: "429 with retry-after 0", code: "llm_rate_limited", asked: 0, wait: 0 },
  { name: "429 without retry-after backs off", code: "llm_rate_limited", wait: RATE_LIMIT_FALLBACK_WAIT_MS },
  {
    name: "429 without retry-after, second time: doubled",
    code: "llm_rate_limited",
    state: { rateLimitRetries: 1, transientRetries: 0 },
    wait: RATE_LIMIT_FALLBACK_WAIT_MS * 2,
  },
  {
    name: "429 asking longer than the bound: give up",
    code: "llm_rate_limited",
    asked: 10_001,
    wait: undefined,
  },
  { name: "429 asking exactly the bound", code: "llm_rate_limited", asked: 10_000, wait: 10_000 },
  {
    name: "429 retries exhausted",
    code: "llm_rate_limited",
    asked: 10,
    state: { rateLimitRetries: 2, transientRetries: 0 },
    wait: undefined,
  },
  {
    name: "429 wait would outlast the deadline",
    code: "llm_rate_limited",
    asked: 5_000,
    remainingMs: 4_000,
    wait: undefined,
  },
  { name: "5xx once", code: "llm_unavailable", wait: TRANSIENT_RETRY_DELAY_MS },
  { name: "503 asking a wait", code: "llm_unavailable", asked: 700, wait: 700 },
  {
    name: "5xx twice: give up",
    code: "llm_unavailable",
    state: { rateLimitRetries: 0, transientRetries: 1 },
    wait: undefined,
  },
  { name: "stream cut before any text", code: "llm_stream_cut", wait: TRANSIENT_RETRY_DELAY_MS },
  {
    name: "transient and rate-limit budgets are separate",
    code: "llm_unavailable",
    state: { rateLimitRetries: 2, transientRetries: 0 },
    wait: TRANSIENT_RETRY_DELAY_MS,
  },
  { name: "auth is never retried", code: "llm_auth", wait: undefined },
  { name: "content filter is never retried", code: "llm_content_filter", wait: undefined },
  { name: "not found is never retried", code: "llm_not_found", wait: undefined },
  { name: "timeout is never retried", code: "llm_timeout", wait: undefined },
  { name: "bad request is never retried", code: "llm_bad_request", wait: undefined },
];

describe("retryDelayMs", () => {
  for (const v of vectors) {
    test(v.name, () => {
      const error = new BotError(v.code, v.name);
      assert.equal(retryDelayMs(error, v.asked, v.state ?? fresh, limits, v.remainingMs ?? plenty), v.wait);
    });
  }

  test("maxRateLimitRetries 0 turns 429 retries off", () => {
    const error = new BotError("llm_rate_limited", "429");
    assert.equal(retryDelayMs(error, 10, fresh, { ...limits, maxRateLimitRetries: 0 }, plenty), undefined);
  });
});
