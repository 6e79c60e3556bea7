import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../src/reply/clock.js";
import { FakeClock } from "../helpers/fake-clock.js";

describe("systemClock", () => {
  it("sleeps roughly the time asked", async () => {
    const start = systemClock.now();
    await systemClock.sleep(5);
    assert.ok(systemClock.now() - start >= 4);
  });

  it("rejects with the signal's reason when aborted, before or during the sleep", async () => {
    const reason = new Error("stop");
    await assert.rejects(systemClock.sleep(10, AbortSignal.abort(reason)), (err) => err === reason);
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort(reason);
    await assert.rejects(sleeping, (err) => err === reason);
  });
});

describe("FakeClock", () => {
  it("wakes sleepers in time order, each at its own time", async () => {
    const clock = new FakeClock(0);
    const woke: [string, number][] = [];
    const nap = (name: string, ms: number) => clock.sleep(ms).then(() => woke.push([name, clock.now()]));
    void nap("b", 20);
    void nap("a", 10);
    void nap("c", 20);
    await clock.advance(15);
    assert.deepEqual(woke, [["a", 10]]);
    assert.equal(clock.now(), 15);
    await clock.advance(100);
    assert.deepEqual(woke, [
      ["a", 10],
      ["b", 20],
      ["c", 20],
    ]);
  });

  it("runs sleepers scheduled by woken code within the same advance", async () => {
    const clock = new FakeClock(0);
    const times: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        times.push(clock.now());
      }
    })();
    await clock.advance(30);
    assert.deepEqual(times, [10, 20, 30]);
  });

  it("drops aborted sleepers and rejects them with the reason", async () => {
    const clock = new FakeClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(10, controller.signal);
    controller.abort(new Error("woken"));
    await assert.rejects(sleeping, /woken/);
    assert.equal(clock.pending, 0);
  });

  it("run() advances until the promise settles and reports a deadlock instead of hanging", async () => {
    const clock = new FakeClock(0);
    assert.equal(await clock.run(clock.sleep(500).then(() => "done")), "done");
    assert.equal(clock.now(), 500);
    await assert.rejects(clock.run(new Promise(() => {})), /no sleeper is due/);
  });
});
