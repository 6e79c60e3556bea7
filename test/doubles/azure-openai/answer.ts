// The answer's chunks and bodies, per route kind (text, filters, usage, On Your Data context).
import { randomUUID } from "node:crypto";
import { withFiltered } from "./errors.js";
import type { OnYourDataScript } from "./on-your-data.js";
import type { FilterCategory, RouteKind, StreamScript } from "./scenarios.js";
import { isRecord } from "./util.js";
import { SAFE_COMPLETION_FILTERS, SAFE_PROMPT_FILTERS } from "./wire-facts.js";

// Answer bodies per dialect

export interface ChunkEnding {
  finishReason?: string;
  /** End with finish_reason content_filter, this category filtered. */
  filtered?: FilterCategory;
  usage?: StreamScript["usage"];
  modelName?: string;
  /** Stop after the text chunks: no finish chunk, no usage (a cut or stalled stream). */
  textOnly?: boolean;
}

/** Builds the JSON payloads of one answer in the route's dialect. */
export class Answer {
  readonly #id = `chatcmpl-${randomUUID().replaceAll("-", "").slice(0, 24)}`;
  readonly #created = Math.floor(Date.now() / 1000);
  readonly #dialect: "azure" | "inference" | "openai";

  constructor(
    route: RouteKind,
    readonly model: string,
    readonly requestBody: unknown,
    readonly includeUsage: boolean,
  ) {
    this.#dialect =
      route === "azure-inference" ? "inference" : route === "openai-compatible" ? "openai" : "azure";
  }

  /** Every chunk of a streamed answer, in order, ending before `[DONE]` (or after the text: `textOnly`). */
  chunks(pieces: string[], end: ChunkEnding = {}): object[] {
    const model = end.modelName ?? this.model;
    const finishReason = end.filtered ? "content_filter" : (end.finishReason ?? "stop");
    const usage = end.usage ?? this.#estimateUsage(pieces);
    const finishFilters = end.filtered ? withFiltered(SAFE_COMPLETION_FILTERS, end.filtered) : {};
    const choice = (delta: object, finish: string | null, filters: object): object => {
      if (this.#dialect === "inference") return { index: 0, finish_reason: finish, delta };
      if (this.#dialect === "openai") return { index: 0, delta, logprobs: null, finish_reason: finish };
      return { content_filter_results: filters, delta, finish_reason: finish, index: 0, logprobs: null };
    };
    const chunk = (choices: object[], extra: object = {}): object => ({
      id: this.#id,
      object: this.#dialect === "inference" ? "chat.completion" : "chat.completion.chunk",
      created: this.#created,
      model,
      ...(this.#dialect === "inference" ? {} : { system_fingerprint: "fp_double" }),
      choices,
      ...extra,
    });

    const out: object[] = [];
    if (this.#dialect === "azure") {
      out.push({
        choices: [],
        created: 0,
        id: "",
        model: "",
        object: "",
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: SAFE_PROMPT_FILTERS }],
      });
    }
    const roleDelta =
      this.#dialect === "azure"
        ? { content: "", refusal: null, role: "assistant" }
        : { role: "assistant", content: "" };
    out.push(chunk([choice(roleDelta, null, {})]));
    for (const [i, piece] of pieces.entries()) {
      out.push(chunk([choice({ content: piece }, null, SAFE_COMPLETION_FILTERS)]));
      // Azure interleaves annotation chunks (content_filter_results, no delta, blank id) with the text.
      if (this.#dialect === "azure" && i === Math.floor(pieces.length / 2)) out.push(this.#annotation(i));
    }
    if (end.textOnly) return out;
    const usageBody = {
      completion_tokens: usage.completionTokens,
      prompt_tokens: usage.promptTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
      ...(usage.reasoningTokens !== undefined
        ? { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }
        : {}),
    };
    if (this.#dialect === "inference") {
      // The 2025-04-01 spec requires at least one choice per update, so usage rides on the finish chunk.
      out.push(chunk([choice({}, finishReason, {})], this.includeUsage ? { usage: usageBody } : {}));
      return out;
    }
    out.push(chunk([choice({}, finishReason, finishFilters)]));
    if (this.#dialect === "azure") out.push(this.#annotation(pieces.length));
    if (this.includeUsage) out.push(chunk([], { usage: usageBody }));
    return out;
  }

  /** The non-streaming answer. */
  completion(script: StreamScript): object {
    const text = script.pieces.join("");
    const usage = script.usage ?? this.#estimateUsage(script.pieces);
    const usageBody = {
      completion_tokens: usage.completionTokens,
      prompt_tokens: usage.promptTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
      ...(usage.reasoningTokens !== undefined
        ? { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }
        : {}),
    };
    const finishReason = script.finishReason ?? "stop";
    const base = {
      id: this.#id,
      object: "chat.completion",
      created: this.#created,
      model: script.modelName ?? this.model,
    };
    if (this.#dialect === "inference") {
      return {
        ...base,
        choices: [{ index: 0, finish_reason: finishReason, message: { role: "assistant", content: text } }],
        usage: usageBody,
      };
    }
    const message = { role: "assistant", content: text, refusal: null };
    const choice = { index: 0, finish_reason: finishReason, message, logprobs: null };
    if (this.#dialect === "openai")
      return { ...base, system_fingerprint: "fp_double", choices: [choice], usage: usageBody };
    return {
      ...base,
      system_fingerprint: "fp_double",
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: SAFE_PROMPT_FILTERS }],
      choices: [{ ...choice, content_filter_results: SAFE_COMPLETION_FILTERS }],
      usage: usageBody,
    };
  }

  /** On Your Data, streamed: context in the first delta, text, a finish chunk; no usage chunk. */
  oydChunks(script: OnYourDataScript): object[] {
    const base = this.#oydBase(script, "extensions.chat.completion.chunk");
    const choice = (delta: object, finish: string | null, endTurn: boolean) => ({
      index: 0,
      delta,
      end_turn: endTurn,
      finish_reason: finish,
    });
    const context = { citations: script.citations, intent: script.intent };
    return [
      { ...base, choices: [choice({ role: "assistant", context }, null, false)] },
      ...script.pieces.map((piece) => ({
        ...base,
        choices: [choice({ content: piece }, null, false)],
        system_fingerprint: "fp_double",
      })),
      { ...base, choices: [choice({}, script.finishReason ?? "stop", true)] },
    ];
  }

  /** On Your Data, not streamed: `message.context`, `end_turn`, no refusal/logprobs (as the service). */
  oydCompletion(script: OnYourDataScript): object {
    const usage = script.usage ?? this.#estimateUsage(script.pieces);
    return {
      ...this.#oydBase(script, "extensions.chat.completion"),
      choices: [
        {
          index: 0,
          finish_reason: script.finishReason ?? "stop",
          message: {
            role: "assistant",
            content: script.pieces.join(""),
            end_turn: true,
            context: { citations: script.citations, intent: script.intent },
          },
        },
      ],
      usage: {
        completion_tokens: usage.completionTokens,
        prompt_tokens: usage.promptTokens,
        total_tokens: usage.promptTokens + usage.completionTokens,
        ...(usage.reasoningTokens !== undefined
          ? { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } }
          : {}),
      },
    };
  }

  /** The service's On Your Data answers carry a UUID id and an "extensions." object name. */
  #oydBase(script: OnYourDataScript, object: string): object {
    return { id: this.#oydId, model: script.modelName ?? this.model, created: this.#created, object };
  }

  readonly #oydId = randomUUID();

  #annotation(offset: number): object {
    return {
      choices: [
        {
          content_filter_offsets: { check_offset: offset, start_offset: offset, end_offset: offset + 1 },
          content_filter_results: SAFE_COMPLETION_FILTERS,
          finish_reason: null,
          index: 0,
        },
      ],
      created: 0,
      id: "",
      model: "",
      object: "",
    };
  }

  /** Rough counts (4 characters a token) when the scenario gives none. */
  #estimateUsage(pieces: string[]): NonNullable<StreamScript["usage"]> {
    const messages = isRecord(this.requestBody) ? this.requestBody.messages : undefined;
    return {
      promptTokens: Math.ceil(JSON.stringify(messages ?? []).length / 4),
      completionTokens: pieces.length,
    };
  }
}
