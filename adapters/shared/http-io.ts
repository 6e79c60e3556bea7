// Reading a platform's request body and answering it: the same for Slack's and Teams' endpoints.
import type { IncomingMessage, ServerResponse } from "node:http";

/** The largest request body either platform sends is far below this; anything larger is refused (413). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The body as UTF-8, or undefined once it grows past `maxBytes` (the rest is not read into memory). */
export async function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Answers `status` with `body` as JSON (no body when undefined or null); once only, later calls do nothing. */
export function sendJson(res: ServerResponse, status: number, body?: unknown): void {
  if (res.headersSent) return;
  if (body === undefined || body === null) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
