// The model side of the load benchmarks: the Azure OpenAI double answering every question with the
// same Markdown-ish answer, its first token `ttftMs` after the request and then one token every
// `tokenDelayMs`. It notes when each text chunk was written to the bot (by observing the double's
// writes), so "when the model sent it" is measured rather than computed from the delays.
import type { IncomingHttpHeaders } from "node:http";
import { ServerResponse } from "node:http";
import { startAzureOpenAIDouble } from "../test/doubles/azure-openai.js";

export interface ModelPace {
  /** Text tokens per answer. */
  tokens: number;
  /**
   * Between two tokens. The double pauses this long before its other chunks too: one annotation
   * chunk mid-answer, and the finish, annotation and usage chunks after the last token (the
   * model's own tail: 3 × tokenDelayMs before its stream ends).
   */
  tokenDelayMs: number;
  /** From the request to the first token. */
  ttftMs: number;
}

export interface ModelDouble {
  url: string;
  /** The answer to every question. */
  answer: string;
  /** Chat requests received. */
  requests(): number;
  /** When the first and the last text chunk for `key` were written (undefined: not yet). */
  firstTextAt(key: string): number | undefined;
  lastTextAt(key: string): number | undefined;
  /** When the answer's stream for `key` ended (finish and usage chunks, [DONE]). */
  endedAt(key: string): number | undefined;
  /** Characters of the answer written for `key` by time `t`. */
  charsSentBy(key: string, t: number): number;
  /** When the character at `index` of the answer was written for `key`. */
  charSentAt(key: string, index: number): number | undefined;
  close(): Promise<void>;
}

/** Each question names its reply: "question q-<key>". */
export const questionFor = (key: string) => `question q-${key}`;
const KEY = /\bq-([\w-]+)/;

/** One paragraph and a list, as a model writes them: Markdown markers are tokens of their own. */
const BLOCK = [
  "The",
  " short",
  " answer",
  " is",
  " **",
  "yes",
  "**",
  ",",
  " with",
  " one",
  " caveat",
  ".",
  "\n\n",
  "- ",
  "Check",
  " the",
  " **",
  "settings",
  "**",
  " first",
  "\n",
  "- ",
  "Then",
  " restart",
  " the",
  " service",
  "\n\n",
  "After",
  " that",
  ",",
  " it",
  " works",
  ".",
  "\n\n",
];

/** `tokens` pieces of BLOCK, the last one closing what the cut left open and ending on a word. */
export function markdownAnswer(tokens: number): string[] {
  const pieces = Array.from({ length: tokens }, (_, i) => BLOCK[i % BLOCK.length] as string);
  const bolds = pieces.slice(0, -1).filter((p) => p === " **" || p === "**").length;
  pieces[pieces.length - 1] = bolds % 2 === 1 ? "done**." : " Done.";
  return pieces;
}

interface SentLog {
  /** When each text chunk was written, and the answer's length written up to and including it. */
  times: number[];
  chars: number[];
  endedAt?: number;
}

export async function startModelDouble(pace: ModelPace): Promise<ModelDouble> {
  const pieces = markdownAnswer(pace.tokens);
  const logs = new Map<string, SentLog>();
  /** The double hands the scenario function the request's own headers object: it names the response. */
  const keyOfRequest = new WeakMap<IncomingHttpHeaders, string>();
  let requests = 0;

  const double = await startAzureOpenAIDouble({ validate: false, record: false });
  double.setFallback((req) => {
    requests++;
    const last = (req.body as { messages: Array<{ content: string }> }).messages.at(-1)?.content ?? "";
    const key = KEY.exec(last)?.[1];
    if (key !== undefined) {
      keyOfRequest.set(req.headers, key);
      logs.set(key, { times: [], chars: [] }); // a retried request starts the answer over
    }
    return { kind: "stream", pieces, delayMs: pace.tokenDelayMs, firstDelayMs: pace.ttftMs };
  });

  // Every SSE chunk the double writes goes through ServerResponse.write, and [DONE] through end:
  // note the text chunks and the end of the answers to the bench's questions.
  const logOf = (res: ServerResponse) => {
    const key = res.req ? keyOfRequest.get(res.req.headers) : undefined;
    return key === undefined ? undefined : logs.get(key);
  };
  const { write, end } = ServerResponse.prototype;
  ServerResponse.prototype.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === "string") noteChunk(logOf(this), chunk, Date.now());
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof write;
  ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
    const log = logOf(this);
    if (log) log.endedAt = Date.now();
    return (end as (...args: unknown[]) => ServerResponse).apply(this, args);
  } as typeof end;

  const log = (key: string) => logs.get(key);
  return {
    url: double.url,
    answer: pieces.join(""),
    requests: () => requests,
    firstTextAt: (key) => log(key)?.times[0],
    lastTextAt: (key) => {
      const l = log(key);
      return l && l.chars.at(-1) === pieces.join("").length ? l.times.at(-1) : undefined;
    },
    endedAt: (key) => log(key)?.endedAt,
    charsSentBy(key, t) {
      const l = log(key);
      if (!l) return 0;
      let n = 0;
      for (let i = 0; i < l.times.length && (l.times[i] as number) <= t; i++) n = l.chars[i] as number;
      return n;
    },
    charSentAt(key, index) {
      const l = log(key);
      const i = l?.chars.findIndex((c) => c > index) ?? -1;
      return i < 0 ? undefined : l?.times[i];
    },
    async close() {
      Object.assign(ServerResponse.prototype, { write, end });
      await double.close();
    },
  };
}

/** `data: {chunk}\n\n` with delta text: one more entry in the log. */
function noteChunk(log: SentLog | undefined, written: string, at: number): void {
  if (!log || !written.startsWith("data: {")) return;
  const chunk = JSON.parse(written.slice("data: ".length)) as {
    choices?: Array<{ delta?: { content?: unknown } }>;
  };
  const text = chunk.choices?.[0]?.delta?.content;
  if (typeof text !== "string" || text === "") return;
  log.times.push(at);
  log.chars.push((log.chars.at(-1) ?? 0) + text.length);
}
