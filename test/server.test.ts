import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "../src/log.js";
import { createMetrics } from "../src/metrics.js";
import { HttpServer } from "../src/server.js";

describe("HttpServer", () => {
  let storeUp = true;
  const metrics = createMetrics();
  const server = new HttpServer({
    port: 0,
    host: "127.0.0.1",
    logger: silentLogger,
    metrics,
    readiness: {
      store: async () => (storeUp ? null : "redis store unreachable"),
      slow: () => new Promise(() => {}),
    },
  });
  let base = "";

  before(async () => {
    server.route("POST", "/echo", async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      res.end(body);
    });
    server.route("GET", "/boom", () => {
      throw new Error("boom");
    });
    base = `http://127.0.0.1:${await server.listen()}`;
  });
  after(() => server.close());

  it("answers /healthz", async () => {
    const res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok\n");
  });

  it("reports readiness problems by name, and a hung check as failed", async () => {
    storeUp = false;
    const res = await fetch(`${base}/readyz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { ready: boolean; problems: Record<string, string> };
    assert.equal(body.ready, false);
    assert.equal(body.problems.store, "redis store unreachable");
    assert.match(body.problems.slow ?? "", /no answer within/);
    storeUp = true;
  });

  it("serves Prometheus text at /metrics", async () => {
    metrics.turns.inc({ platform: "console", outcome: "answered" });
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
    const text = await res.text();
    assert.match(text, /bot_turns_total\{platform="console",outcome="answered"\} 1/);
    assert.match(text, /# TYPE bot_active_streams gauge/);
  });

  it("routes adapters, and answers 404, 405 and 500 plainly", async () => {
    assert.equal(await (await fetch(`${base}/echo`, { method: "POST", body: "hi" })).text(), "hi");
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/echo`)).status, 405);
    assert.equal((await fetch(`${base}/boom`)).status, 500);
  });

  it("fails readiness while draining", async () => {
    server.startDraining();
    const body = (await (await fetch(`${base}/readyz`)).json()) as { problems: Record<string, string> };
    assert.equal(body.problems.server, "shutting down");
  });
});
