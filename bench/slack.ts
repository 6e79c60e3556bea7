// Slack load benchmark: the bot as its own production process (`node dist/src/main.js`), the Slack
// and Azure OpenAI doubles in this process. After an unmeasured warm-up round (the same load in a
// workspace of its own: a long-running bot's code is compiled, so cold code must not count against
// each reply; its CPU is printed on its own row), one mention alone, then `concurrency` mentions in as many channels of one workspace, sent evenly within one second;
// the model's first token comes `ttftMs` after its request, then `tokens` Markdown tokens
// `tokenDelayMs` apart. Slack's real rate tiers apply (time scale 1).
import { startBuiltBot } from "./bot-under-test.js";
import { costRows, memoryRow, seenRows, singleRows, warmUpCpuRow } from "./load-rows.js";
import { describeModel, type LoadSetup, SPREAD_MS } from "./load-setup.js";
import { startModelDouble } from "./model-double.js";
import { runPhase } from "./phase.js";
import { SLACK_SIGNING_SECRET, type SlackWorkspace, startSlackScene } from "./slack-doubles.js";
import type { Row } from "./stats.js";

export const slackTitle = (s: LoadSetup) =>
  `Slack: ${s.concurrency} mentions in ${s.concurrency} channels of one workspace within ${SPREAD_MS / 1000} s, ${describeModel(s)}; real rate tiers; the bot is its own process`;

export async function benchSlack(setup: LoadSetup): Promise<Row[]> {
  const model = await startModelDouble(setup);
  const slack = await startSlackScene();
  const bot = await startBuiltBot(
    model.url,
    {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET,
      SLACK_API_URL: slack.url,
    },
    "slack",
  );
  const eventsUrl = `${bot.base}/slack/events`;
  const phase = (workspace: SlackWorkspace, count: number) =>
    runPhase({
      replies: slack.mentions(workspace, count, eventsUrl),
      spreadMs: count > 1 ? SPREAD_MS : 0,
      model,
      bot,
      onPlatformCall: slack.onCall,
    });
  try {
    const warmUp = await phase("warmup", setup.concurrency); // cold code (first requests, JIT) is paid here
    const single = await phase("single", 1);
    const mark = slack.mark();
    const logMark = bot.logMark();
    const modelRequests = model.requests();
    const load = await phase("load", setup.concurrency);
    const calls = slack.callsSince(mark);
    const n = setup.concurrency;
    const perReply = (count: number) => (count / n).toFixed(1);
    const methods = Object.entries(calls.perMethod).sort(([a], [b]) => a.localeCompare(b));
    const total = methods.reduce((sum, [, count]) => sum + count, 0);
    return [
      ...seenRows(load, "ack latency: event POST to HTTP 200"),
      ...singleRows(single),
      {
        name: "Slack calls per reply (auth.test left out)",
        value: `${methods.map(([m, count]) => `${m} ${perReply(count)}`).join(", ")}; total ${perReply(total)}`,
      },
      { name: "429 responses from Slack", value: String(calls.rateLimited) },
      { name: "model requests", value: `${model.requests() - modelRequests} for ${n} mentions` },
      { name: "Slack spec violations", value: String(calls.specViolations) },
      ...costRows(load, bot.warnings(logMark)),
      warmUpCpuRow(warmUp),
      memoryRow(bot),
    ];
  } finally {
    await bot.stop();
    await slack.close();
    await model.close();
  }
}
