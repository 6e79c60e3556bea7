// Writing an answer on the wire: JSON bodies, SSE streams (with delays, cuts and hangs), errors,
// each checked against the spec before it is sent.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { SpecValidator } from "../spec-validator.js";
import { completionChunkForCheck } from "./completions.js";
import { ON_YOUR_DATA_DEVIATIONS } from "./on-your-data.js";
import type { RouteKind, SpecViolation } from "./scenarios.js";
import { hasText, isRecord } from "./util.js";
import { SCHEMAS, SPEC } from "./wire-facts.js";

// Writing responses, with validation

export class Wire {
  constructor(
    readonly res: ServerResponse,
    readonly route: RouteKind | undefined,
    readonly validator: SpecValidator | undefined,
    readonly violations: SpecViolation[],
  ) {}

  /** The request has data_sources: answers follow On Your Data's known deviations (ON_YOUR_DATA_DEVIATIONS). */
  onYourData = false;

  /** Validates `payload`; records and returns false on a violation. */
  check(direction: SpecViolation["direction"], schema: string, payload: unknown): boolean {
    if (!this.validator || !this.route) return true;
    const spec = SPEC[this.route];
    let errors: string[];
    const normalize =
      direction === "response" && this.onYourData ? ON_YOUR_DATA_DEVIATIONS[schema] : undefined;
    if (normalize && isRecord(payload)) {
      const copy = structuredClone(payload);
      const parts = normalize(copy);
      errors = this.validator.validate(spec, schema, copy);
      for (const part of parts) errors.push(...this.validator.validate(spec, part.schema, part.value));
    } else {
      errors = this.validator.validate(spec, schema, payload);
    }
    if (errors.length === 0) return true;
    this.violations.push({ route: this.route, direction, schema, errors, payload });
    return false;
  }

  /** An error answer, validated as the route's error schema. */
  error(status: number, body: object, headers: Record<string, string> = {}): void {
    this.#sendJson(status, body, headers, this.#schema("error"));
  }

  /** A non-streaming chat completion, validated as the route's response schema. */
  completion(body: object): void {
    this.#sendJson(200, body, {}, this.#schema("response"));
  }

  /** A JSON answer validated against `schema` of the route's spec (a name or a "#/..." pointer). */
  json(status: number, body: object, schema: string): void {
    this.#sendJson(status, body, {}, schema);
  }

  #schema(kind: "error" | "response"): string {
    return this.route ? SCHEMAS[SPEC[this.route]][kind] : "";
  }

  /** The double's own answers (unknown route, spec violation): not service traffic, not validated. */
  raw(status: number, body: object): void {
    this.res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  #sendJson(status: number, body: object, headers: Record<string, string>, schema: string): void {
    if (!this.check("response", schema, body)) {
      const message = `the double's own ${schema} violates the spec`;
      this.raw(500, { error: { code: "double_spec_violation", message } });
      return;
    }
    this.res.writeHead(status, {
      "content-type": "application/json",
      "apim-request-id": randomUUID(),
      ...headers,
    });
    this.res.end(JSON.stringify(body));
  }

  /** `firstDelayMs`: see StreamScript (one pause, then the chunks up to the first text at once). */
  async stream(
    chunks: object[],
    delayMs: number,
    ending: "done" | "cut" | "hang" = "done",
    firstDelayMs?: number,
    /** Another schema than the route's chat chunk (the completions route). */
    chunkSchema?: string,
  ): Promise<void> {
    const schema = chunkSchema ?? (this.route ? SCHEMAS[SPEC[this.route]].chunk : "");
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "apim-request-id": randomUUID(),
    });
    let textSent = false;
    for (const [i, chunk] of chunks.entries()) {
      const pause = firstDelayMs === undefined || textSent ? delayMs : i === 0 ? firstDelayMs : 0;
      if (pause > 0) await sleep(pause);
      if (this.res.destroyed) return;
      const checked = chunkSchema ? completionChunkForCheck(chunk as Record<string, unknown>) : chunk;
      if (!this.check("response", schema, checked)) {
        this.res.end(
          `data: ${JSON.stringify({ error: { code: "double_spec_violation", message: `chunk violates ${schema}` } })}\n\n`,
        );
        return;
      }
      this.res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      textSent ||= hasText(chunk);
    }
    if (ending === "done") {
      this.res.end("data: [DONE]\n\n");
    } else if (ending === "cut") {
      // Let the written chunks leave before the connection drops mid-body.
      await new Promise<void>((flushed) => this.res.write("", () => flushed()));
      this.res.socket?.destroy();
    }
    // "hang": leave the response open; close() or the client's abort ends it.
  }

  hang(): void {
    // Nothing is sent; the request stays open until the client gives up or the double closes.
  }
}
