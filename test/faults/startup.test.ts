// `npm start` against dependencies that do not answer, or refuse, at start. Never a stack trace or a
// crash loop: an unreachable one is waited out (/healthz 200, /readyz 503 with the reason) and the
// bot comes up by itself; a definite "no" ends the start with one line that names the variable.
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "../doubles/azure-openai.js";
import { appMentionEvent, eventEnvelope } from "../doubles/slack/event-payloads.js";
import { postSlack } from "../doubles/slack/signing.js";
import { ALICE, BOT_USER } from "../doubles/slack/test-support.js";
import { DEFAULT_TEAM, type SlackDouble, startSlackDouble } from "../doubles/slack/web-api-double.js";
import { type BotProcess, startBotProcess as startBot, until } from "../helpers/bot-process.js";
import { freePort } from "../helpers/redis-servers.js";

const SECRET = "startup-test-signing-secret";
const CHANNEL = "C0000START";

type Bot = BotProcess;

const readiness = async (bot: Bot) => {
  const res = await fetch(`${bot.base}/readyz`);
  return { status: res.status, body: await res.text() };
};

/** A TCP forwarder started late on a port the bot already points at: "the network is back". */
async function forward(port: number, to: string): Promise<Server> {
  const target = new URL(to);
  const server = createServer((socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return server;
}

describe("start-up against unreachable or refusing dependencies", { timeout: 90_000 }, () => {
  let slack: SlackDouble;
  let llm: AzureOpenAIDouble;
  const bots: Bot[] = [];
  const servers: Server[] = [];
  before(async () => {
    slack = await startSlackDouble({ timeScale: 0.05 });
    llm = await startAzureOpenAIDouble();
  });
  after(async () => {
    for (const bot of bots) if (bot.child.exitCode === null) bot.child.kill("SIGKILL");
    for (const server of servers) server.close();
    await slack.close();
    await llm.close();
  });
  const base = () => ({
    AZURE_OPENAI_ENDPOINT: llm.url,
    AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
    AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
    REDIS_URL: `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`,
    SLACK_BOT_TOKEN: DEFAULT_TEAM.botToken,
    SLACK_SIGNING_SECRET: SECRET,
  });
  const mention = async (bot: Bot, text: string) => {
    const full = `<@${BOT_USER}> ${text}`;
    const ts = slack.seedMessage({ channel: CHANNEL, user: ALICE, text: full });
    const res = await postSlack(
      `${bot.base}/slack/events`,
      eventEnvelope(appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text: full })),
      { secret: SECRET },
    );
    return { ts, status: res.status };
  };

  it("Slack unreachable at start: waits with /readyz 503, then comes up by itself and answers", async () => {
    const lateSlackPort = await freePort();
    const bot = await startBot({ ...base(), SLACK_API_URL: `http://127.0.0.1:${lateSlackPort}/api/` });
    bots.push(bot);
    await until(
      async () => ((await fetch(`${bot.base}/healthz`)).status === 200 ? true : undefined),
      20_000,
      "healthz",
    );
    const waiting = await until(
      async () => {
        const r = await readiness(bot);
        return r.body.includes("slack") ? r : undefined;
      },
      10_000,
      "readyz naming slack",
    );
    assert.equal(waiting.status, 503);
    assert.match(waiting.body, /slack: Slack auth\.test failed: .*retrying/);
    assert.equal((await mention(bot, "too early")).status, 503, "Slack is told to send it again");

    servers.push(await forward(lateSlackPort, slack.url));
    await until(async () => ((await readiness(bot)).status === 200 ? true : undefined), 40_000, "ready");
    llm.script({ kind: "stream", pieces: ["Up and running."] });
    const { ts, status } = await mention(bot, "are you up?");
    assert.equal(status, 200);
    await until(
      async () => (slack.thread(CHANNEL, ts)[1]?.text === "Up and running." ? true : undefined),
      10_000,
      "the answer",
    );
    assert.equal(bot.child.exitCode, null, "never crashed");
    assert.doesNotMatch(bot.output(), /\n\s+at /, "no stack trace");
    bot.child.kill("SIGTERM");
    assert.equal(await bot.exit, 0);
  });

  it("a refused Slack token ends the start with one line naming SLACK_BOT_TOKEN", async () => {
    const bot = await startBot({
      ...base(),
      SLACK_BOT_TOKEN: "xoxb-fake-token-slack-refuses",
      SLACK_API_URL: slack.url,
    });
    bots.push(bot);
    assert.equal(await bot.exit, 1);
    const fatal = bot
      .output()
      .trim()
      .split("\n")
      .filter((line) => line.includes('"level":"fatal"'));
    assert.equal(fatal.length, 1, bot.output());
    assert.match(fatal[0] ?? "", /"variable":"SLACK_BOT_TOKEN"/);
    assert.match(fatal[0] ?? "", /Slack refused SLACK_BOT_TOKEN \(auth\.test: invalid_auth\)/);
    assert.doesNotMatch(bot.output(), /\n\s+at |xoxb-fake-token-slack-refuses/);
  });

  it("Redis unreachable at start: ready says why, mentions are answered with a note", async () => {
    const bot = await startBot({
      ...base(),
      SLACK_API_URL: slack.url,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    bots.push(bot);
    await until(
      async () => ((await fetch(`${bot.base}/healthz`)).status === 200 ? true : undefined),
      20_000,
      "healthz",
    );
    await until(
      async () => ((await readiness(bot)).body.includes("store unreachable") ? true : undefined),
      10_000,
      "readyz naming the store",
    );
    llm.script({ kind: "stream", pieces: ["Still here."] });
    const { ts } = await mention(bot, "hello?");
    const answer = await until(
      async () =>
        slack.thread(CHANNEL, ts)[1]?.text.match(/^Still here\.\n\n_\(My memory store is unreachable/)?.[0],
      15_000,
      "the degraded answer",
    );
    assert.ok(answer);
    assert.doesNotMatch(bot.output(), /\n\s+at /, "no stack trace");
    bot.child.kill("SIGTERM");
    assert.equal(await bot.exit, 0);
  });

  it("the model's Entra ID token cannot be had: /readyz says so, the process keeps running", async () => {
    const { AZURE_OPENAI_API_KEY: _key, ...withoutKey } = base();
    const bot = await startBot({
      ...withoutKey,
      SLACK_API_URL: slack.url,
      AZURE_CLIENT_ID: "00000000-0000-0000-0000-00000000c11d",
    });
    bots.push(bot);
    const waiting = await until(
      async () => {
        const r = await readiness(bot);
        return r.body.includes("model credential") ? r : undefined;
      },
      30_000,
      "readyz naming the model credential",
    );
    assert.equal(waiting.status, 503);
    assert.equal(bot.child.exitCode, null);
    assert.doesNotMatch(bot.output(), /\n\s+at /, "no stack trace");
    bot.child.kill("SIGTERM");
    assert.equal(await bot.exit, 0);
  });
});
