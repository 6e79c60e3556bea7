// Reading a Web API request: arguments from the query string and a form or JSON body, and the
// bearer token. Slack takes the token from the Authorization header, or (form bodies only) from a
// `token` argument.
import type { IncomingMessage } from "node:http";
import type { BodyKind } from "./method-spec.js";

export function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1];
}

export function stringArg(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export interface ParsedArguments {
  args: Record<string, unknown>;
  kind: BodyKind;
  error?: string;
}

/** Query arguments, then the body's (form or JSON) on top. */
export function parseArguments(url: URL, contentType: string | undefined, body: string): ParsedArguments {
  const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (body === "") return { args, kind: "query" };
  if (type === "application/json") {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        return { args, kind: "json", error: "JSON body is not an object" };
      }
      return { args: { ...args, ...(parsed as Record<string, unknown>) }, kind: "json" };
    } catch {
      return { args, kind: "json", error: "JSON body does not parse" };
    }
  }
  if (type === "application/x-www-form-urlencoded") {
    return { args: { ...args, ...Object.fromEntries(new URLSearchParams(body)) }, kind: "form" };
  }
  return { args, kind: "form", error: `unsupported content-type "${contentType ?? ""}"` };
}
