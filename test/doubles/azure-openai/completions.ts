// The legacy Completions route of the Azure OpenAI double (POST /openai/deployments/{d}/completions,
// the 2024-10-21 spec's createCompletionRequest / createCompletionResponse): instruct deployments
// such as gpt-35-turbo-instruct. Streamed answers are createCompletionResponse chunks, `text` per
// chunk and `finish_reason` on the last ("stop", "length" or "content_filter"); `stop` sequences
// end the text where the model would write them. The 2024-10-21 route has no stream_options: no
// usage in a stream.
import { randomUUID } from "node:crypto";
import { withFiltered } from "./errors.js";
import type { Scenario } from "./scenarios.js";
import { isRecord } from "./util.js";
import type { Wire } from "./wire.js";
import { SAFE_COMPLETION_FILTERS } from "./wire-facts.js";

export const COMPLETIONS_ROUTE = /^\/openai\/deployments\/([^/]+)\/completions$/;
export const COMPLETIONS_SCHEMAS = {
  request: "createCompletionRequest",
  response: "createCompletionResponse",
} as const;

/**
 * Streamed chunks carry finish_reason null until the last one (what the service sends); the spec's
 * one shape for streamed and whole answers lists only the final values, so a null is checked as
 * that shape's "stop".
 */
export function completionChunkForCheck(chunk: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(chunk);
  for (const choice of (copy.choices as Array<Record<string, unknown>>) ?? []) {
    if (choice.finish_reason === null) choice.finish_reason = "stop";
  }
  return copy;
}

/** The chunks of a scripted answer, cut at the first stop sequence the request named. */
export function completionChunks(
  model: string,
  body: unknown,
  pieces: string[],
  end: { filtered?: Parameters<typeof withFiltered>[1]; finishReason?: "stop" | "length" } = {},
): Record<string, unknown>[] {
  const id = `cmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const stops = stopSequences(body);
  const chunk = (text: string, finish: string | null, filters: object) => ({
    id,
    object: "text_completion",
    created,
    model,
    choices: [{ text, index: 0, finish_reason: finish, logprobs: null, content_filter_results: filters }],
  });
  const chunks: Record<string, unknown>[] = [];
  let written = "";
  let stopped = false;
  for (const piece of pieces) {
    const next = written + piece;
    const at = firstStop(next, stops);
    if (at !== undefined) {
      const rest = next.slice(written.length, at);
      if (rest) chunks.push(chunk(rest, null, SAFE_COMPLETION_FILTERS));
      stopped = true;
      break;
    }
    chunks.push(chunk(piece, null, SAFE_COMPLETION_FILTERS));
    written = next;
  }
  const finish = end.filtered ? "content_filter" : stopped ? "stop" : (end.finishReason ?? "stop");
  const filters = end.filtered
    ? withFiltered(SAFE_COMPLETION_FILTERS, end.filtered)
    : SAFE_COMPLETION_FILTERS;
  chunks.push(chunk("", finish, filters));
  return chunks;
}

/** Plays a scenario on the completions route; false when the scenario is not one this route plays. */
export function playCompletion(
  wire: Wire,
  model: string,
  body: unknown,
  scenario: Scenario,
  delayMs: number,
): boolean {
  const streaming = isRecord(body) && body.stream === true;
  if (scenario.kind === "stream") {
    const chunks = completionChunks(model, body, scenario.pieces, { finishReason: scenario.finishReason });
    if (!streaming) {
      const text = chunks.map((c) => (c.choices as Array<{ text: string }>)[0]?.text ?? "").join("");
      const last = ((chunks.at(-1)?.choices ?? []) as Array<Record<string, unknown>>)[0];
      wire.json(200, { ...chunks[0], choices: [{ ...last, text }] }, COMPLETIONS_SCHEMAS.response);
      return true;
    }
    void wire.stream(
      chunks,
      scenario.delayMs ?? delayMs,
      "done",
      scenario.firstDelayMs,
      COMPLETIONS_SCHEMAS.response,
    );
    return true;
  }
  if (scenario.kind === "completion-filtered") {
    const chunks = completionChunks(model, body, scenario.pieces, { filtered: scenario.category });
    void wire.stream(chunks, delayMs, "done", undefined, COMPLETIONS_SCHEMAS.response);
    return true;
  }
  return false;
}

function stopSequences(body: unknown): string[] {
  if (!isRecord(body)) return [];
  const stop = body.stop;
  if (typeof stop === "string") return [stop];
  return Array.isArray(stop) ? stop.filter((s): s is string => typeof s === "string" && s !== "") : [];
}

function firstStop(text: string, stops: string[]): number | undefined {
  let first: number | undefined;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (first === undefined || at < first)) first = at;
  }
  return first;
}
