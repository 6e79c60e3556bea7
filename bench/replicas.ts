// Replicas: three `npm start` processes (the built bot) behind one Slack app, on one Redis and on
// a three-node Redis Cluster. 50 mentions across 10 threads in 3 workspaces of one org arrive
// within 2 s, each as app_mention and as message, one of them re-delivered: every delivery to
// another process. Slack's real rate tiers apply (time scale 1). The doubles run here; the bots are
// processes of their own.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startAzureOpenAIDouble } from "../test/doubles/azure-openai.js";
import { appMentionEvent, messageEvent } from "../test/doubles/slack/event-payloads.js";
import { DEFAULT_TEAM, type SlackDouble, startSlackDouble } from "../test/doubles/slack/web-api-double.js";
import { startCluster } from "../test/helpers/redis-servers.js";
import { startSlackReplicas } from "../test/helpers/slack-replicas.js";
import { buildOnce } from "./bot-under-test.js";
import { BENCH_REDIS_URL, deleteKeys } from "./redis-keys.js";
import { type Row, summarize } from "./stats.js";

const REPLICAS = 3;
const MENTIONS = 50;
const THREADS = 10;
const WORKSPACES = 3;
const SPREAD_MS = 2_000;
const TOKENS = 20;
const TOKEN_DELAY_MS = 20;
/** The double's chunks before the first text: Azure's prompt-filter chunk and the role chunk. */
const CHUNKS_BEFORE_TEXT = 2;
const ORG = "E0000BENCH";

const teamOf = (thread: number) => `T0000RPL0${thread % WORKSPACES}`;
const channelOf = (thread: number) => `C0RPL${thread % WORKSPACES}T${String(thread).padStart(2, "0")}`;
const userOf = (thread: number) => `U0000RPL0${thread % WORKSPACES}`;
/** Mention i: thread i % 10, its (i / 10 + 1)th turn, so each thread gets a mention every 400 ms. */
const slot = (i: number) => ({ thread: i % THREADS, turn: Math.floor(i / THREADS) + 1 });
const label = (thread: number, turn: number) => `«${thread}.${turn}»`;
const answerPieces = (thread: number, turn: number) => [
  `${label(thread, turn)} `,
  ...Array.from({ length: TOKENS - 1 }, (_, k) => `w${k} `),
];

export async function benchReplicas(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const topology of ["one Redis", "Redis Cluster"] as const) rows.push(...(await run(topology)));
  return rows;
}

async function run(topology: "one Redis" | "Redis Cluster"): Promise<Row[]> {
  const teams = Array.from({ length: WORKSPACES }, (_, w) => ({
    ...DEFAULT_TEAM,
    teamId: `T0000RPL0${w}`,
    enterpriseId: ORG,
    users: [{ id: `U0000RPL0${w}`, name: `user${w}` }],
  }));
  const slack = await startSlackDouble({ teams });
  for (let t = 0; t < THREADS; t++) slack.addChannel(channelOf(t), { teamId: teamOf(t) });
  const arrivals = new Map<string, number>();
  const llm = await startAzureOpenAIDouble({ validate: false });
  llm.setFallback((req) => {
    const last = (req.body as { messages: Array<{ content: string }> }).messages.at(-1)?.content ?? "";
    const [, thread = "0", turn = "0"] = /thread (\d+) question (\d+)/.exec(last) ?? [];
    arrivals.set(label(Number(thread), Number(turn)), Date.now());
    return { kind: "stream", pieces: answerPieces(Number(thread), Number(turn)), delayMs: TOKEN_DELAY_MS };
  });
  const cluster = topology === "Redis Cluster" ? await startCluster() : undefined;
  await buildOnce();
  const replicas = await startSlackReplicas({
    entry: "dist",
    count: REPLICAS,
    slackUrl: slack.url,
    llmUrl: llm.url,
    redisUrl: cluster?.url ?? BENCH_REDIS_URL,
    cluster: cluster !== undefined,
  });

  const sentAt = new Map<string, number>();
  const acks: number[] = [];
  const statuses: number[] = [];
  const roots: string[] = [];
  const t0 = Date.now();
  const deliveries: Promise<void>[] = [];
  for (let i = 0; i < MENTIONS; i++) {
    await sleep(Math.max(0, t0 + (i * SPREAD_MS) / MENTIONS - Date.now()));
    const { thread, turn } = slot(i);
    const text = `<@${DEFAULT_TEAM.botUserId}> thread ${thread} question ${turn}`;
    const base = { user: userOf(thread), channel: channelOf(thread), text };
    const ts = slack.seedMessage({ ...base, threadTs: roots[thread], teamId: teamOf(thread) });
    roots[thread] ??= ts;
    const events = { ts, ...(turn > 1 ? { threadTs: roots[thread] } : {}) };
    sentAt.set(label(thread, turn), Date.now());
    const timed = async (event: object, to: number[]) => {
      const started = performance.now();
      const result = await replicas.deliver(event, to, { teamId: teamOf(thread) });
      acks.push(performance.now() - started);
      statuses.push(...result);
    };
    // app_mention to one process and again (a retry) to the next; the message twin to the third.
    deliveries.push(
      timed(appMentionEvent({ ...base, ...events, team: teamOf(thread) }), [
        i % REPLICAS,
        (i + 1) % REPLICAS,
      ]),
      timed(messageEvent({ ...base, ...events, team: teamOf(thread) }), [(i + 2) % REPLICAS]),
    );
  }
  await Promise.all(deliveries);
  const wantedSpread = Date.now() - t0;
  await waitUntilAnswered(slack, roots);
  await sleep(500); // a late duplicate would show by now
  const wallS = (Date.now() - t0) / 1000;

  const calls = slack.calls.filter((c) => c.method !== "auth.test");
  const firstText = (l: string) =>
    calls.find((c) => String(c.args.markdown_text ?? c.args.text ?? "").startsWith(l))?.time;
  const finishOf = (l: string) => {
    const ts = calls.find(
      (c) => c.method === "chat.startStream" && String(c.args.markdown_text).startsWith(l),
    )?.body.ts;
    return calls.filter((c) => c.args.ts === ts && c.body.ok === true).at(-1)?.time;
  };
  const before: number[] = [];
  const after: number[] = [];
  let exact = 0;
  let duplicates = 0;
  for (let i = 0; i < MENTIONS; i++) {
    const { thread, turn } = slot(i);
    const l = label(thread, turn);
    const shown = slack.thread(channelOf(thread), roots[thread] ?? "").filter((m) => m.text.startsWith(l));
    if (shown.length === 1 && shown[0]?.text === answerPieces(thread, turn).join("")) exact++;
    duplicates += Math.max(0, shown.length - 1);
    const arrival = arrivals.get(l);
    const first = firstText(l);
    // The thread's earlier turn is queueing, not overhead: count from when this turn could start.
    const previous = turn > 1 ? finishOf(label(thread, turn - 1)) : undefined;
    const ready = Math.max(sentAt.get(l) ?? 0, previous ?? 0);
    if (arrival === undefined || first === undefined) continue;
    before.push(Math.max(0, arrival - ready));
    after.push(first - (arrival + (1 + CHUNKS_BEFORE_TEXT) * TOKEN_DELAY_MS));
  }
  const overhead = before.map((b, k) => b + (after[k] ?? 0));
  const rateLimited = Object.values(slack.rateLimited).reduce((a, b) => a + b, 0);
  const errors = replicas.bots.flatMap((b) => b.output().match(/"level":"(error|fatal)"[^\n]*/g) ?? []);
  // BENCH_DEBUG=1: the bots' own log lines, to see why a figure is off.
  if (process.env.BENCH_DEBUG) process.stderr.write(`${replicas.bots.map((b) => b.output()).join("\n")}\n`);

  await replicas.stop();
  if (!cluster) await deleteKeys(replicas.keyPrefix);
  await cluster?.stop();
  await slack.close();
  await llm.close();

  const name = `${REPLICAS} processes, ${topology}`;
  return [
    {
      name: `${name}: mentions sent`,
      value: `${MENTIONS} in ${(wantedSpread / 1000).toFixed(1)} s, ${statuses.length} deliveries (${statuses.filter((s) => s === 200).length} acked 200)`,
    },
    { name: `${name}: replies exact`, value: `${exact}/${MENTIONS}` },
    { name: `${name}: duplicate replies`, value: String(duplicates) },
    { name: `${name}: model calls`, value: `${llm.requests.length} for ${MENTIONS} mentions` },
    { name: `${name}: 429s from Slack`, value: String(rateLimited) },
    summarize(`${name}: ack latency`, acks),
    summarize(`${name}: overhead (before the model + first token to Slack)`, overhead),
    summarize(`${name}:   before the model (thread queue excluded)`, before),
    summarize(`${name}:   model's first token to text on Slack`, after),
    { name: `${name}: wall time`, value: `${wallS.toFixed(1)} s; error log lines ${errors.length}` },
  ];
}

async function waitUntilAnswered(slack: SlackDouble, roots: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  const perThread = MENTIONS / THREADS;
  for (;;) {
    const done = roots.every((root, t) => {
      const replies = slack.thread(channelOf(t), root).filter((m) => m.botId !== undefined);
      return replies.length >= perThread && replies.every((m) => m.streaming !== "streaming");
    });
    if (done || Date.now() > deadline) return;
    await sleep(50);
  }
}
