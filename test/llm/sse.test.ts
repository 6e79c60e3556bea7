// The SSE reader under the LLM client: the chunks of a streamed completion out of the raw body, with
// the openai SDK's rules (`[DONE]` ends it, an error event or an `error` chunk is the service's
// APIError, malformed JSON a SyntaxError), wherever the network splits the bytes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { APIError } from "openai";
import { sseChunks } from "../../src/llm/sse.js";

/** A Response whose body arrives in exactly these byte pieces; `cancelled` says whether the reader gave up. */
function responseOf(pieces: Uint8Array[]): { response: Response; cancelled: () => boolean } {
  let cancelled = false;
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[next++];
      if (piece) controller.enqueue(piece);
      else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return {
    response: new Response(body, { headers: { "content-type": "text/event-stream" } }),
    cancelled: () => cancelled,
  };
}

/** `text` as UTF-8, cut into pieces of `size` bytes (splitting lines and multi-byte characters). */
function bytesIn(text: string, size: number): Uint8Array[] {
  const all = new TextEncoder().encode(text);
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < all.length; at += size) pieces.push(all.slice(at, at + size));
  return pieces;
}

async function collect(response: Response): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const chunk of sseChunks(response)) out.push(chunk);
  return out;
}

const delta = (content: string) => ({ choices: [{ index: 0, delta: { content } }] });
const sse = (...events: string[]) => events.map((e) => `${e}\n\n`).join("");

describe("sseChunks", () => {
  it("yields each chunk once, however the bytes are split, and stops at [DONE]", async () => {
    const wire = sse(
      `data: ${JSON.stringify(delta("Grüße "))}`,
      `data: ${JSON.stringify(delta("aus 東京 👍🏽"))}`,
      ": a comment line is ignored",
      "data: [DONE]",
      `data: ${JSON.stringify(delta("after the end"))}`,
    );
    for (const size of [1, 3, 7, wire.length]) {
      const { response } = responseOf(bytesIn(wire, size));
      assert.deepEqual(
        await collect(response),
        [delta("Grüße "), delta("aus 東京 👍🏽")],
        `pieces of ${size}`,
      );
    }
  });

  it("reads CRLF line ends and a data field split over two lines", async () => {
    const wire = 'data: {"choices":\r\ndata: []}\r\n\r\ndata: [DONE]\r\n\r\n';
    const { response } = responseOf(bytesIn(wire, 5));
    assert.deepEqual(await collect(response), [{ choices: [] }]);
  });

  it("turns an error chunk into the service's APIError, with its message", async () => {
    const error = { code: "server_error", message: "The server had an error while processing your request." };
    const wire = sse(`data: ${JSON.stringify(delta("Hi"))}`, `data: ${JSON.stringify({ error })}`);
    const { response } = responseOf(bytesIn(wire, 16));
    const seen: unknown[] = [];
    await assert.rejects(
      async () => {
        for await (const chunk of sseChunks(response)) seen.push(chunk);
      },
      (err: unknown) =>
        err instanceof APIError && err.message.includes("had an error") && err.code === "server_error",
    );
    assert.deepEqual(seen, [delta("Hi")], "the text before the error was delivered");
  });

  it("turns an `event: error` into an APIError too", async () => {
    const { response } = responseOf(bytesIn(sse('event: error\ndata: {"message":"overloaded"}'), 64));
    await assert.rejects(
      collect(response),
      (err: unknown) => err instanceof APIError && /overloaded/.test(err.message),
    );
  });

  it("refuses malformed JSON with a SyntaxError", async () => {
    const { response } = responseOf(bytesIn(sse("data: {not json"), 64));
    await assert.rejects(collect(response), SyntaxError);
  });

  it("cancels the body when the reader stops early", async () => {
    const wire = sse(`data: ${JSON.stringify(delta("one"))}`, `data: ${JSON.stringify(delta("two"))}`);
    const { response, cancelled } = responseOf([...bytesIn(wire, wire.length), new Uint8Array(0)]);
    for await (const _chunk of sseChunks(response)) break;
    assert.equal(cancelled(), true);
  });
});
