// Child process of the Slack benchmark: runs the Slack Web API double and the Azure OpenAI double,
// so the bot's CPU and memory are measured alone in the parent, and measures what users see:
// when text first shows, how far the visible text lags behind the model, what Slack was called.
import { performance } from "node:perf_hooks";
import { startAzureOpenAIDouble } from "../test/doubles/azure-openai.js";
import { appMentionEvent, eventEnvelope } from "../test/doubles/slack/event-payloads.js";
import { postSlack } from "../test/doubles/slack/signing.js";
import { startSlackDouble } from "../test/doubles/slack/web-api-double.js";

export interface SlackBenchSetup {
  replies: number;
  tokens: number;
  tokenDelayMs: number;
  timeScale: number;
  channel: string;
  user: string;
}

export interface SlackBenchReport {
  callsByMethod: Record<string, number>;
  rateLimited: number;
  exactFinals: number;
  /** First visible text minus the model's first token, per reply (ms). */
  overheadMs: number[];
  /** Mean time the visible text lagged behind what the model had sent (ms), per reply. */
  stalenessMs: number[];
  specViolations: number;
}

type Message =
  | { type: "start"; setup: SlackBenchSetup }
  | { type: "fire"; url: string; secret: string; botUserId: string }
  | { type: "report" }
  | { type: "stop" };

const SAMPLE_EVERY_MS = 20;
/** The double's chunks before the first text: Azure's prompt-filter chunk and the role chunk. */
const CHUNKS_BEFORE_TEXT = 2;

const send = (message: unknown) => process.send?.(message);
let state: Awaited<ReturnType<typeof start>> | undefined;

process.on("message", async (message: Message) => {
  if (message.type === "start") {
    state = await start(message.setup);
    send({ type: "ready", slackUrl: state.slack.url, llmUrl: state.llm.url, roots: state.roots });
  } else if (message.type === "fire" && state) {
    send({ type: "acks", ackMs: await state.fire(message.url, message.secret, message.botUserId) });
  } else if (message.type === "report" && state) {
    send({ type: "report", report: state.report() });
  } else if (message.type === "stop") {
    clearInterval(state?.sampler);
    await state?.slack.close();
    await state?.llm.close();
    process.exit(0);
  }
});

async function start(setup: SlackBenchSetup) {
  const slack = await startSlackDouble({ timeScale: setup.timeScale });
  const llm = await startAzureOpenAIDouble({ validate: false, record: false });
  const pieces = Array.from({ length: setup.tokens }, (_, i) => `w${i} `);
  const answer = pieces.join("");
  const mid = Math.floor(pieces.length / 2);
  /** When the model sent piece i, for a request that arrived at `arrival`. */
  const pieceSentAt = (arrival: number, i: number) =>
    arrival + (i + 1 + CHUNKS_BEFORE_TEXT + (i > mid ? 1 : 0)) * setup.tokenDelayMs;

  const roots = Array.from({ length: setup.replies }, (_, i) =>
    slack.seedMessage({ channel: setup.channel, user: setup.user, text: `question ${i}` }),
  );
  const arrivals = new Map<number, number>();
  llm.setFallback((req) => {
    const last = (req.body as { messages: Array<{ content: string }> }).messages.at(-1)?.content ?? "";
    arrivals.set(Number(last.replace(/\D+/g, "")), Date.now());
    return { kind: "stream", pieces, delayMs: setup.tokenDelayMs };
  });

  const staleSamples = roots.map(() => [] as number[]);
  const replyText = (root: string) =>
    slack
      .thread(setup.channel, root)
      .slice(1)
      .map((m) => m.text)
      .join("");
  const sampler = setInterval(() => {
    const now = Date.now();
    roots.forEach((root, i) => {
      const arrival = arrivals.get(i);
      if (arrival === undefined) return;
      const sentCount = pieces.filter((_, k) => pieceSentAt(arrival, k) <= now).length;
      if (sentCount === 0) return;
      const visible = replyText(root);
      if (visible === answer) return; // done: nothing left to lag behind
      let shownCount = 0;
      let covered = 0;
      while (shownCount < pieces.length && covered + (pieces[shownCount]?.length ?? 0) <= visible.length) {
        covered += pieces[shownCount]?.length ?? 0;
        shownCount++;
      }
      // How long ago the oldest piece not yet shown was sent.
      const lag = shownCount >= sentCount ? 0 : now - pieceSentAt(arrival, shownCount);
      staleSamples[i]?.push(lag);
    });
  }, SAMPLE_EVERY_MS);

  return {
    slack,
    llm,
    roots,
    sampler,
    /** Sends every mention at once, as Slack would, and times each acknowledgement. */
    fire(url: string, secret: string, botUserId: string): Promise<number[]> {
      return Promise.all(
        roots.map(async (ts, i) => {
          const body = eventEnvelope(
            appMentionEvent({
              user: setup.user,
              channel: setup.channel,
              ts,
              text: `<@${botUserId}> question ${i}`,
            }),
          );
          const started = performance.now();
          const res = await postSlack(url, body, { secret });
          if (res.status !== 200) throw new Error(`ack ${res.status}`);
          return performance.now() - started;
        }),
      );
    },
    report(): SlackBenchReport {
      const callsByMethod: Record<string, number> = {};
      for (const call of slack.calls) callsByMethod[call.method] = (callsByMethod[call.method] ?? 0) + 1;
      const overheadMs = roots.flatMap((root, i) => {
        const arrival = arrivals.get(i);
        const first = slack.calls.find(
          (c) =>
            c.args.thread_ts === root &&
            (c.method === "chat.startStream" ||
              c.method === "chat.postMessage" ||
              c.method === "chat.update") &&
            typeof (c.args.markdown_text ?? c.args.text) === "string" &&
            !/Thinking/.test(String(c.args.markdown_text ?? c.args.text)),
        );
        return arrival === undefined || !first ? [] : [first.time - pieceSentAt(arrival, 0)];
      });
      return {
        callsByMethod,
        rateLimited: Object.values(slack.rateLimited).reduce((a, b) => a + b, 0),
        exactFinals: roots.filter((root) => replyText(root) === answer).length,
        overheadMs,
        stalenessMs: staleSamples.map((s) => (s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0)),
        specViolations: slack.specViolations.length,
      };
    },
  };
}
