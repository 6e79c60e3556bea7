// Stream parsing vectors. Chunk shapes follow captured Azure traffic: the prompt-filter first chunk and
// annotation chunks (microsoft/autogen#6465, api-version 2024-10-21), text chunks with
// content_filter_results and logprobs null (langchain4j/langchain4j#2385), the finish chunk and the
// include_usage chunk with `choices: []` (griptape-ai/griptape#1640).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BotError, isBotError } from "../../src/errors.js";
import { parseChatStream } from "../../src/llm/stream.js";
import type { CompletionEvent } from "../../src/llm/types.js";

const SAFE = { filtered: false, severity: "safe" };
const SAFE_FILTERS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };

const promptFilterChunk = {
  choices: [],
  created: 0,
  id: "",
  model: "",
  object: "",
  prompt_filter_results: [
    {
      prompt_index: 0,
      content_filter_results: { ...SAFE_FILTERS, jailbreak: { filtered: false, detected: false } },
    },
  ],
};

function chunk(choice: object, extra: object = {}): object {
  return {
    choices: [choice],
    created: 1736407895,
    id: "chatcmpl-AnhIt2rw8vL8czymkCwEOKKTg7HPc",
    model: "gpt-4o-mini-2024-07-18",
    object: "chat.completion.chunk",
    system_fingerprint: "fp_5154047bf2",
    ...extra,
  };
}

const roleChunk = chunk({
  content_filter_results: {},
  delta: { content: "", refusal: null, role: "assistant" },
  finish_reason: null,
  index: 0,
  logprobs: null,
});
const text = (content: string) =>
  chunk({
    content_filter_results: SAFE_FILTERS,
    delta: { content },
    finish_reason: null,
    index: 0,
    logprobs: null,
  });
const finish = (reason: string, filters: object = {}) =>
  chunk({ content_filter_results: filters, delta: {}, finish_reason: reason, index: 0, logprobs: null });
const annotation = {
  choices: [
    {
      content_filter_offsets: { check_offset: 44, start_offset: 44, end_offset: 198 },
      content_filter_results: SAFE_FILTERS,
      finish_reason: null,
      index: 0,
    },
  ],
  created: 0,
  id: "",
  model: "",
  object: "",
};
const usageChunk = {
  choices: [],
  created: 1738686168,
  id: "chatcmpl-AxFzEQeSzG1Yb1xW10fNKXEyTkquw",
  model: "gpt-4",
  object: "chat.completion.chunk",
  system_fingerprint: "fp_5b26d85e12",
  usage: { completion_tokens: 382, prompt_tokens: 4297, total_tokens: 4679 },
};

async function* from(items: unknown[], failWith?: Error): AsyncGenerator<unknown> {
  for (const item of items) yield item;
  if (failWith) throw failWith;
}

async function run(
  items: unknown[],
  failWith?: Error,
): Promise<{ events: CompletionEvent[]; error?: unknown }> {
  const events: CompletionEvent[] = [];
  try {
    for await (const event of parseChatStream(from(items, failWith))) events.push(event);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

const texts = (...parts: string[]): CompletionEvent[] => parts.map((t) => ({ type: "text", text: t }));

describe("parseChatStream", () => {
  const vectors: Array<{ name: string; chunks: unknown[]; events: CompletionEvent[] }> = [
    {
      name: "Azure with include_usage: prompt-filter chunk, role, text, annotation, finish, usage",
      chunks: [
        promptFilterChunk,
        roleChunk,
        text("Hello"),
        annotation,
        text(" world"),
        finish("stop"),
        annotation,
        usageChunk,
      ],
      events: [
        ...texts("Hello", " world"),
        { type: "done", finishReason: "stop", usage: { promptTokens: 4297, completionTokens: 382 } },
      ],
    },
    {
      name: "Azure without include_usage: done has no usage",
      chunks: [promptFilterChunk, roleChunk, text("Hi"), finish("stop")],
      events: [...texts("Hi"), { type: "done", finishReason: "stop" }],
    },
    {
      name: "OpenAI: usage: null on ordinary chunks, usage chunk last",
      chunks: [
        chunk(
          { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
          { usage: null },
        ),
        chunk({ index: 0, delta: { content: "A" }, logprobs: null, finish_reason: null }, { usage: null }),
        chunk({ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }, { usage: null }),
        { ...usageChunk, usage: { prompt_tokens: 11, completion_tokens: 1, total_tokens: 12 } },
      ],
      events: [
        ...texts("A"),
        { type: "done", finishReason: "stop", usage: { promptTokens: 11, completionTokens: 1 } },
      ],
    },
    {
      name: "model inference endpoint: usage on the finish chunk",
      chunks: [
        {
          id: "x",
          object: "chat.completion",
          created: 1,
          model: "m",
          choices: [{ index: 0, finish_reason: null, delta: { role: "assistant", content: "Yo" } }],
        },
        {
          id: "x",
          object: "chat.completion",
          created: 1,
          model: "m",
          choices: [{ index: 0, finish_reason: "length", delta: {} }],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        },
      ],
      events: [
        ...texts("Yo"),
        { type: "done", finishReason: "length", usage: { promptTokens: 3, completionTokens: 1 } },
      ],
    },
    {
      name: "empty and null deltas yield nothing",
      chunks: [
        text(""),
        chunk({ index: 0, delta: null, finish_reason: null }),
        chunk({ index: 0, finish_reason: null }),
        finish("stop"),
      ],
      events: [{ type: "done", finishReason: "stop" }],
    },
    {
      name: "choices other than index 0 are ignored",
      chunks: [
        chunk({ index: 1, delta: { content: "other" }, finish_reason: null }),
        text("mine"),
        finish("stop"),
      ],
      events: [...texts("mine"), { type: "done", finishReason: "stop" }],
    },
    {
      name: "malformed usage is ignored",
      chunks: [text("x"), finish("stop"), { ...usageChunk, usage: { prompt_tokens: "many" } }],
      events: [...texts("x"), { type: "done", finishReason: "stop" }],
    },
    {
      name: "non-object chunks are skipped",
      chunks: [null, 42, "junk", text("ok"), finish("stop")],
      events: [...texts("ok"), { type: "done", finishReason: "stop" }],
    },
  ];

  for (const v of vectors) {
    test(v.name, async () => {
      const { events, error } = await run(v.chunks);
      assert.equal(error, undefined);
      assert.deepEqual(events, v.events);
    });
  }

  test("finish_reason content_filter → llm_content_filter on the completion, naming the category", async () => {
    const filtered = { ...SAFE_FILTERS, violence: { filtered: true, severity: "medium" } };
    const { events, error } = await run([
      promptFilterChunk,
      text("Once upon"),
      finish("content_filter", filtered),
      usageChunk,
    ]);
    assert.deepEqual(events, texts("Once upon"));
    assert.ok(isBotError(error, "llm_content_filter"));
    assert.deepEqual(error.details, { filteredPart: "completion", category: "violence" });
  });

  test("content filter category from an earlier annotation chunk when the finish chunk has none", async () => {
    const flagged = {
      ...annotation,
      choices: [
        {
          ...annotation.choices[0],
          content_filter_results: {
            ...SAFE_FILTERS,
            protected_material_text: { filtered: true, detected: true },
          },
        },
      ],
    };
    const { error } = await run([text("a"), flagged, finish("content_filter")]);
    assert.ok(isBotError(error, "llm_content_filter"));
    assert.equal(error.details.category, "protected_material_text");
  });

  test("content filter without any category still throws", async () => {
    const { error } = await run([finish("content_filter")]);
    assert.ok(isBotError(error, "llm_content_filter"));
    assert.deepEqual(error.details, { filteredPart: "completion" });
  });

  test("ends without a finish reason → llm_stream_cut after the text", async () => {
    const { events, error } = await run([promptFilterChunk, roleChunk, text("Half an")]);
    assert.deepEqual(events, texts("Half an"));
    assert.ok(isBotError(error, "llm_stream_cut"));
  });

  test("empty stream → llm_stream_cut", async () => {
    const { events, error } = await run([]);
    assert.deepEqual(events, []);
    assert.ok(isBotError(error, "llm_stream_cut"));
  });

  test("a source error before the finish is rethrown unchanged", async () => {
    const cut = new BotError("llm_timeout", "deadline");
    const { events, error } = await run([text("a")], cut);
    assert.deepEqual(events, texts("a"));
    assert.equal(error, cut);
  });

  test("a source error after the finish (usage chunk lost) still ends with done", async () => {
    const { events, error } = await run([text("a"), finish("stop")], new Error("socket hang up"));
    assert.equal(error, undefined);
    assert.deepEqual(events, [...texts("a"), { type: "done", finishReason: "stop" }]);
  });

  test("text after the finish chunk is not yielded", async () => {
    const { events } = await run([text("a"), finish("stop"), text("late")]);
    assert.deepEqual(events, [...texts("a"), { type: "done", finishReason: "stop" }]);
  });
});

// On Your Data chunk shapes: UUID id, object "extensions.chat.completion.chunk", end_turn, the first
// delta { role, context: { citations, intent } } (microsoft/sample-app-aoai-chatGPT functional tests;
// MicrosoftDocs "use your data" example output), intent a JSON-encoded list.
describe("parseChatStream with On Your Data context", () => {
  const oyd = (choice: object, extra: object = {}) => ({
    id: "92f715be-cfc4-4ae6-80f8-c86b7955f6af",
    model: "gpt-4o",
    created: 1712077271,
    object: "extensions.chat.completion.chunk",
    choices: [{ index: 0, end_turn: false, finish_reason: null, ...choice }],
    ...extra,
  });
  const CITATIONS = [
    {
      content: "Walk your dog twice a day.",
      title: "Dog care",
      url: "https://contoso.blob.core.windows.net/docs/dog.pdf",
      filepath: "dog.pdf",
      chunk_id: "0",
    },
    { content: "Fresh water always.", title: null, url: null, filepath: "water.md", chunk_id: "2" },
  ];
  const contextChunk = oyd({
    delta: { role: "assistant", context: { citations: CITATIONS, intent: '["dog care"]' } },
  });
  const oydText = (content: string) => oyd({ delta: { content } }, { system_fingerprint: "fp_68a7d165bf" });
  const oydFinish = oyd({ delta: {}, end_turn: true, finish_reason: "stop" });

  test("citations and intent from the first delta come first; [docN] markers stay in the text", async () => {
    const { events, error } = await run([
      contextChunk,
      oydText("Walk it [doc1]"),
      oydText(" and water it [doc2]."),
      oydFinish,
    ]);
    assert.equal(error, undefined);
    assert.deepEqual(events, [
      { type: "citations", citations: CITATIONS, intent: '["dog care"]' },
      ...texts("Walk it [doc1]", " and water it [doc2]."),
      { type: "done", finishReason: "stop" },
    ]);
  });

  test("nothing retrieved: an empty citations event, then the service's not-found sentence", async () => {
    const empty = oyd({ delta: { role: "assistant", context: { citations: [], intent: '["cat food"]' } } });
    const sentence =
      "The requested information is not available in the retrieved data. Please try another query or topic.";
    const { events } = await run([empty, oydText(sentence), oydFinish]);
    assert.deepEqual(events, [
      { type: "citations", citations: [], intent: '["cat food"]' },
      ...texts(sentence),
      { type: "done", finishReason: "stop" },
    ]);
  });

  test("context arriving after text is emitted when it arrives, once", async () => {
    const late = oyd({ delta: { content: " more", context: { citations: [CITATIONS[0]] } } });
    const again = oyd({ delta: { context: { citations: CITATIONS } } });
    const { events } = await run([oydText("Some"), late, again, oydFinish]);
    assert.deepEqual(events, [
      ...texts("Some"),
      { type: "citations", citations: [CITATIONS[0]] },
      ...texts(" more"),
      { type: "done", finishReason: "stop" },
    ]);
  });

  test("malformed citations keep their position (docN stays aligned) with only the valid fields", async () => {
    const odd = oyd({
      delta: { context: { citations: [{ title: 5, url: "u" }, "junk", { content: "c", chunk_id: 7 }] } },
    });
    const { events } = await run([odd, oydFinish]);
    assert.deepEqual(events[0], {
      type: "citations",
      citations: [{ content: "", url: "u" }, { content: "" }, { content: "c" }],
    });
  });

  test("a non-streamed answer (message.context) gives the same events", async () => {
    // The spec example chat_completions_azure_search_minimum.json, response body.
    const completion = {
      id: "chatcmpl-7R1nGnsXO8n4oi9UPz2f3UHdgAYMn",
      created: 1686676106,
      choices: [
        {
          index: 0,
          finish_reason: "stop",
          message: {
            role: "assistant",
            content: "Content of the completion [doc1].",
            context: {
              citations: [
                {
                  content: "Citation content.",
                  title: "Citation Title",
                  filepath: "contoso.txt",
                  url: "https://contoso.blob.windows.net/container/contoso.txt",
                  chunk_id: "0",
                },
              ],
              intent: "dog care",
            },
          },
        },
      ],
      usage: { completion_tokens: 557, prompt_tokens: 33, total_tokens: 590 },
    };
    const { events } = await run([completion]);
    assert.deepEqual(events, [
      {
        type: "citations",
        citations: [
          {
            content: "Citation content.",
            title: "Citation Title",
            filepath: "contoso.txt",
            url: "https://contoso.blob.windows.net/container/contoso.txt",
            chunk_id: "0",
          },
        ],
        intent: "dog care",
      },
      ...texts("Content of the completion [doc1]."),
      { type: "done", finishReason: "stop", usage: { promptTokens: 33, completionTokens: 557 } },
    ]);
  });

  test("without context there is no citations event", async () => {
    const { events } = await run([roleChunk, text("Hi"), finish("stop")]);
    assert.equal(
      events.some((e) => e.type === "citations"),
      false,
    );
  });
});
