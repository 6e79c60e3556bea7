// The working status both platforms show only when the first words are slow (src/reply/delayed.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runAfter } from "../../src/reply/delayed.js";
import { FakeClock, flush } from "../helpers/fake-clock.js";

describe("runAfter", () => {
  it("never shows the status when the first text comes in time", async () => {
    const clock = new FakeClock();
    let shown = 0;
    const status = runAfter(clock, 500, async () => {
      shown++;
    });
    await clock.advance(499);
    await status.settle();
    await clock.advance(1_000);
    assert.equal(shown, 0);
  });

  it("shows it after the delay, and the first text waits until it has landed", async () => {
    const clock = new FakeClock();
    const order: string[] = [];
    let land: () => void = () => {};
    const status = runAfter(clock, 500, async () => {
      order.push("status sent");
      await new Promise<void>((resolve) => (land = resolve));
      order.push("status landed");
    });
    await clock.advance(500);
    await flush();
    const text = status.settle().then(() => order.push("first text"));
    await flush();
    assert.deepEqual(order, ["status sent"], "the text is held while the status is on its way");
    land();
    await text;
    assert.deepEqual(order, ["status sent", "status landed", "first text"]);
  });
});
