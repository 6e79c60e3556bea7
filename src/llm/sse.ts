// The chunks of a streamed chat completion, read from the raw HTTP response (server-sent events).
// The SDK's own stream reader does the same through three nested async generators per chunk; at
// 200 chunks an answer this one costs about a third less CPU (bench/). It keeps the SDK's rules:
// `[DONE]` ends the stream, an `error` event or a chunk with `error` is the service's error (an
// APIError, mapped like any other), and malformed JSON is a SyntaxError.
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { APIError } from "openai";

/** Parsed JSON chunks of `response`'s SSE body, up to `[DONE]`; stopping early cancels the body. */
export async function* sseChunks(response: Response): AsyncGenerator<unknown> {
  if (!response.body) return;
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const text = new TextDecoder();
  for await (const bytes of response.body) {
    parser.feed(text.decode(bytes, { stream: true }));
    for (const event of events.splice(0)) {
      if (event.data === "[DONE]") return;
      yield parse(event, response.headers);
    }
  }
}

function parse(event: EventSourceMessage, headers: Headers): unknown {
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    throw new SyntaxError("Error reading response: malformed server-sent event JSON.");
  }
  const error = typeof data === "object" && data !== null ? (data as { error?: unknown }).error : undefined;
  if (event.event === "error") throw new APIError(undefined, (error ?? data) as object, undefined, headers);
  if (error) throw new APIError(undefined, error, undefined, headers);
  return data;
}
