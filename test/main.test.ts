// `npm start` as a real process: it serves Slack over HTTP, answers health probes, and on SIGTERM
// stops taking work, lets the reply in flight end with a word, and exits 0.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "./doubles/azure-openai.js";
import { appMentionEvent, eventEnvelope } from "./doubles/slack/event-payloads.js";
import { postSlack } from "./doubles/slack/signing.js";
import { ALICE, BOT_USER } from "./doubles/slack/test-support.js";
import { DEFAULT_TEAM, type SlackDouble, startSlackDouble } from "./doubles/slack/web-api-double.js";

const SECRET = "main-test-signing-secret";
const CHANNEL = "C0000MAINT";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("npm start (the server process)", () => {
  let slack: SlackDouble;
  let llm: AzureOpenAIDouble;
  let bot: ChildProcess;
  let base = "";
  let output = "";
  const exited = () => new Promise<number | null>((resolve) => bot.once("exit", (code) => resolve(code)));

  before(async () => {
    slack = await startSlackDouble({ timeScale: 0.05 });
    llm = await startAzureOpenAIDouble();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    bot = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: {
        PATH: process.env.PATH,
        AZURE_OPENAI_ENDPOINT: llm.url,
        AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
        AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
        REDIS_URL: `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`,
        REDIS_KEY_PREFIX: `test:main:${randomUUID()}:`,
        SLACK_BOT_TOKEN: DEFAULT_TEAM.botToken,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
        PORT: String(port),
        SHUTDOWN_TIMEOUT_MS: "500",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    bot.stdout?.on("data", (d) => {
      output += String(d);
    });
    bot.stderr?.on("data", (d) => {
      output += String(d);
    });
    await until(
      () =>
        fetch(`${base}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      20_000,
      "the server to be ready",
    );
  });
  after(async () => {
    if (bot.exitCode === null) bot.kill("SIGKILL");
    await slack.close();
    await llm.close();
  });

  it("answers a mention, logs JSON without secrets, and ends a reply in flight with a note on SIGTERM", async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ask = async (text: string) => {
      const ts = slack.seedMessage({ channel: CHANNEL, user: ALICE, text: `<@${BOT_USER}> ${text}` });
      const res = await postSlack(
        `${base}/slack/events`,
        eventEnvelope(appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text: `<@${BOT_USER}> ${text}` })),
        { secret: SECRET },
      );
      assert.equal(res.status, 200);
      return ts;
    };
    const replyOf = (ts: string) => slack.thread(CHANNEL, ts).slice(1);

    llm.script({ kind: "stream", pieces: ["Hello", " from", " the", " server."] });
    const first = await ask("hi");
    const done = (ts: string) => replyOf(ts).every((m) => m.streaming !== "streaming");
    await until(
      () => replyOf(first)[0]?.text === "Hello from the server." && done(first),
      5_000,
      "the answer",
    );

    // A reply that would never end on its own, then SIGTERM.
    llm.script({ kind: "hang", pieces: ["Working on it"] });
    const second = await ask("slow one");
    await until(
      () => (replyOf(second)[0]?.text ?? "").startsWith("Working on it"),
      5_000,
      "the partial answer",
    );
    const exit = exited();
    bot.kill("SIGTERM");
    assert.equal(await exit, 0, "a clean exit");
    const last = replyOf(second).at(-1);
    assert.match(last?.text ?? "", /^Working on it\n\n⚠️ I was restarting and could not finish this answer/);
    assert.ok(done(second), "nothing left streaming");

    const lines = output.trim().split("\n");
    assert.ok(
      lines.every((l) => l.startsWith("{")),
      "every log line is JSON",
    );
    assert.doesNotMatch(output, new RegExp(`${DEFAULT_API_KEY}|${DEFAULT_TEAM.botToken}|${SECRET}`));
    assert.match(output, /"msg":"shutting down"/);
  });
});
