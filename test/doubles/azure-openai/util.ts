// Small helpers of the Azure OpenAI double.
import type { IncomingMessage } from "node:http";
import type { RecordedRequest, Scenario, ScenarioSource } from "./scenarios.js";

export function resolve(source: ScenarioSource, request: RecordedRequest): Scenario {
  return typeof source === "function" ? source(request) : source;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A chunk carrying answer text (a non-empty `delta.content`). */
export function hasText(chunk: object): boolean {
  const choices = (chunk as { choices?: Array<{ delta?: { content?: unknown } }> }).choices;
  const content = choices?.[0]?.delta?.content;
  return typeof content === "string" && content !== "";
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
