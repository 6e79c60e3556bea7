// Routing and HTTP plumbing of the double: the three operations' paths (the OData form
// @azure/search-documents 13.0.0 sends, e.g. /indexes('name')/docs/search.post.search, and the REST form
// /indexes/name/...), body reading and JSON replies with the service's headers.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DoubleReply, SearchOperation } from "./types.js";

export const API_VERSION = "2026-04-01";
const NAME = "(?:\\('([^']*)'\\)|/([^/()]+))";
const ROUTES: Array<{ operation: SearchOperation; method: string; pattern: RegExp }> = [
  { operation: "getIndex", method: "GET", pattern: new RegExp(`^/indexes${NAME}$`, "i") },
  {
    operation: "search",
    method: "POST",
    pattern: new RegExp(`^/indexes${NAME}/docs/search\\.post\\.search$`, "i"),
  },
  { operation: "retrieve", method: "POST", pattern: new RegExp(`^/knowledgebases${NAME}/retrieve$`, "i") },
];

export function route(
  method: string,
  path: string,
): { operation: SearchOperation | "unknown"; name?: string } {
  for (const candidate of ROUTES) {
    const match = candidate.pattern.exec(path);
    if (match && candidate.method === method)
      return { operation: candidate.operation, name: match[1] ?? match[2] ?? "" };
  }
  return { operation: "unknown" };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (text === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

export function sendReply(res: ServerResponse, reply: DoubleReply, metadata: string): void {
  const headers: Record<string, string> = {
    "request-id": randomUUID(),
    "odata-version": "4.0",
    ...reply.headers,
  };
  if (reply.body === undefined) {
    res.writeHead(reply.status, { ...headers, "content-length": "0" }).end();
    return;
  }
  const payload = JSON.stringify(reply.body);
  res
    .writeHead(reply.status, {
      ...headers,
      "content-type": `application/json; odata.metadata=${metadata}; odata.streaming=true; charset=utf-8`,
      "content-length": String(Buffer.byteLength(payload)),
    })
    .end(payload);
}

/** "none" when the Accept header asks for odata.metadata=none (SearchClient, KnowledgeRetrievalClient). */
export function metadataLevel(accept: unknown): "none" | "minimal" {
  return /odata\.metadata=none/i.test(String(accept ?? "")) ? "none" : "minimal";
}
