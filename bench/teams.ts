// Teams load benchmark: the bot as its own production process (`node dist/src/main.js`, Teams on with
// authentication off), the Bot Connector and Azure OpenAI doubles in this process, Teams' real
// pacing (time scale 1). After an unmeasured warm-up round (`concurrency` personal chats, a channel
// thread and a group chat: cold code must not count against each reply; its CPU has its own row),
// one personal chat alone; then (a) `concurrency` personal chats answered by native streaming
// and (b) `concurrency` mentions answered by post and edit, half in threads of one channel (which
// share its rate budget), half in group chats; each sent evenly within one second. The model's first
// token comes `ttftMs` after its request, then `tokens` Markdown tokens `tokenDelayMs` apart.
import { type BotUnderTest, startBuiltBot } from "./bot-under-test.js";
import { costRows, memoryRow, seenRows, singleRows, warmUpCpuRow } from "./load-rows.js";
import { describeModel, type LoadSetup, SPREAD_MS } from "./load-setup.js";
import { type ModelDouble, startModelDouble } from "./model-double.js";
import { type PhaseReply, type PhaseResult, runPhase } from "./phase.js";
import type { Row } from "./stats.js";
import { type Place, startTeamsScene, type TeamsRequests, type TeamsScene } from "./teams-doubles.js";

export const teamsTitle = (s: LoadSetup) =>
  `Teams: ${s.concurrency} personal chats, then ${s.concurrency} channel/group mentions, each within ${SPREAD_MS / 1000} s, ${describeModel(s)}; real Teams pacing; the bot is its own process`;

export async function benchTeams(setup: LoadSetup): Promise<Row[]> {
  const model = await startModelDouble(setup);
  const teams = await startTeamsScene();
  const bot = await startBuiltBot(
    model.url,
    {
      TEAMS_ENABLED: "true",
    },
    "teams",
  );
  const url = `${bot.base}/api/messages`;
  const n = setup.concurrency;
  try {
    const warmUp = await measure(bot, model, teams, [
      ...teams.personalChats("w", n, url),
      ...teams.mentions("wm", 2, url),
    ]);
    const single = await measure(bot, model, teams, teams.personalChats("s", 1, url));
    const a = await measure(bot, model, teams, teams.personalChats("p", n, url));
    const b = await measure(bot, model, teams, teams.mentions("m", n, url));
    const threads = Math.ceil(n / 2);
    return [
      { name: `(a) ${n} personal chats, native streaming`, value: "" },
      ...seenRows(a.result, "HTTP answer to Teams", "  "),
      ...singleRows(single.result, "  "),
      ...requestRows(a, "  "),
      ...costRows(a.result, a.warnings, "  "),
      warmUpCpuRow(warmUp.result, "  "),
      { name: `(b) ${n} mentions: ${threads} threads of one channel, ${n - threads} group chats`, value: "" },
      ...seenRows(b.result, "HTTP answer to Teams", "  "),
      ...requestRows(b, "  "),
      ...costRows(b.result, b.warnings, "  "),
      memoryRow(bot),
    ];
  } finally {
    await bot.stop();
    await teams.close();
    await model.close();
  }
}

interface Measured {
  result: PhaseResult;
  requests: TeamsRequests;
  modelRequests: number;
  warnings: string[];
}

async function measure(
  bot: BotUnderTest,
  model: ModelDouble,
  teams: TeamsScene,
  replies: PhaseReply[],
): Promise<Measured> {
  const mark = teams.mark();
  const logMark = bot.logMark();
  const modelRequests = model.requests();
  const spreadMs = replies.length > 1 ? SPREAD_MS : 0;
  const result = await runPhase({ replies, spreadMs, model, bot, onPlatformCall: teams.onCall });
  return {
    result,
    requests: teams.requestsSince(mark),
    modelRequests: model.requests() - modelRequests,
    warnings: bot.warnings(logMark),
  };
}

function requestRows({ requests: r, result, modelRequests }: Measured, indent: string): Row[] {
  const places = Object.keys(r.replies) as Place[];
  /** "kind accepted/reply (+refused/reply refused)", then the total, per place. */
  const perReply = (place: Place) => {
    const n = r.replies[place] ?? 1;
    const accepted = r.accepted[place] ?? {};
    const refused = r.refused[place] ?? {};
    const kinds = [...new Set([...Object.keys(accepted), ...Object.keys(refused)])].sort();
    const total = Object.values(accepted).reduce((a, b) => a + b, 0);
    const each = kinds.map((k) => {
      const extra = refused[k] ? ` (+${((refused[k] ?? 0) / n).toFixed(1)} refused)` : "";
      return `${k} ${((accepted[k] ?? 0) / n).toFixed(1)}${extra}`;
    });
    return `${places.length > 1 ? `${place}: ` : ""}${each.join(", ")}; total ${(total / n).toFixed(1)}`;
  };
  return [
    { name: `${indent}accepted Connector requests per reply`, value: places.map(perReply).join(" | ") },
    { name: `${indent}429 / 403 responses from the Connector`, value: `${r.status429} / ${r.status403}` },
    ...(r.otherErrors.length
      ? [{ name: `${indent}other error responses`, value: r.otherErrors.join("; ") }]
      : []),
    { name: `${indent}model requests`, value: `${modelRequests} for ${result.replies} replies` },
    {
      name: `${indent}Connector double violations`,
      value: r.violations.length ? `${r.violations.length}: ${r.violations.slice(0, 3).join("; ")}` : "0",
    },
  ];
}
