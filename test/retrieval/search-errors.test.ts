// Search failures: one kind each (the user's sentence), a hint naming what to fix, no secrets.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RestError } from "@azure/core-rest-pipeline";
import { registerSecret } from "../../src/redact.js";
import { searchError } from "../../src/retrieval/search-errors.js";
import { userMessageFor } from "../../src/user-messages.js";

const context = (auth: "key" | "entra") => ({
  target: 'index "hr"',
  endpoint: "https://s.search.windows.net",
  auth: auth === "key" ? ({ kind: "api-key", key: "k" } as const) : ({ kind: "entra-id" } as const),
  timeoutMs: 5_000,
  configuredBy: "AZURE_SEARCH_INDEX",
});
const rest = (statusCode: number, message = "x") => new RestError(message, { statusCode });

describe("searchError", () => {
  const cases = [
    {
      name: "a refused key",
      err: rest(403),
      auth: "key",
      kind: "refused",
      hint: /AZURE_SEARCH_API_KEY/,
      says: /tell the bot's administrator/,
    },
    {
      name: "a missing role",
      err: rest(403),
      auth: "entra",
      kind: "refused",
      hint: /Search Index Data Reader/,
      says: /administrator/,
    },
    {
      name: "a missing index",
      err: rest(404, "The index 'hr' was not found."),
      auth: "key",
      kind: "missing",
      hint: /AZURE_SEARCH_INDEX/,
      says: /administrator/,
    },
    {
      name: "throttling (429)",
      err: rest(429),
      auth: "key",
      kind: "throttled",
      hint: /replicas/,
      says: /busy right now/,
    },
    {
      name: "throttling (503)",
      err: rest(503),
      auth: "key",
      kind: "throttled",
      hint: /replicas/,
      says: /busy right now/,
    },
    {
      name: "a bad filter",
      err: rest(400, "Invalid expression"),
      auth: "key",
      kind: "invalid",
      hint: /filter/,
      says: /administrator/,
    },
    {
      name: "a timeout",
      err: Object.assign(new Error("The operation was aborted."), { name: "AbortError" }),
      auth: "key",
      kind: "timeout",
      hint: /AZURE_SEARCH_TIMEOUT_MS/,
      says: /took too long/,
    },
    {
      name: "no connection",
      err: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      auth: "key",
      kind: "unavailable",
      hint: /reachable/,
      says: /unreachable/,
    },
  ] as const;
  for (const c of cases) {
    it(c.name, () => {
      const error = searchError(c.err, context(c.auth));
      assert.equal(error.code, "datasource_error");
      assert.equal(error.details.kind, c.kind);
      assert.match(error.details.hint ?? "", c.hint);
      assert.match(userMessageFor(error), c.says);
      assert.equal(error.cause, c.err);
    });
  }

  it("never carries a key the service echoed", () => {
    registerSecret("echoed-search-key-1234567890");
    const error = searchError(rest(403, "key echoed-search-key-1234567890 refused"), context("key"));
    assert.equal(error.message.includes("echoed-search-key-1234567890"), false);
  });
});
