// Every Lua script and MULTI touches keys of one Redis Cluster hash slot (else CROSSSLOT), computed
// with cluster-key-slot, the function ioredis routes commands with.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { encodeThreadKey, keyGroups, redisKeys } from "../../src/store/keys.js";

const require = createRequire(import.meta.url);
/** cluster-key-slot ships no types; it is ioredis' own dependency. */
const keySlot = require("cluster-key-slot") as {
  (key: string): number;
  generateMulti(keys: string[]): number;
};

const IDS = [
  "",
  "slack:T1:C1:1712345678.000100",
  encodeThreadKey({ platform: "teams", tenant: "t{1}", channel: "19:abc@thread.tacv2", thread: "%}" }),
  "teams:tenant:29:1a-b:user",
  "a{b}c",
  "}{",
  "{",
  "}",
  "%",
  "%7B",
  "slack:T1:chat.update",
  "ünïcødé:✓",
  ...Array.from({ length: 50 }, () => randomUUID()),
];

describe("redis key groups and cluster slots", { timeout: 10_000 }, () => {
  for (const prefix of ["bot:", "", "tenant-a:x:"]) {
    const groups = keyGroups(redisKeys(prefix));
    const cases: [string, (id: string) => string[]][] = [
      ["lock scripts (ENQUEUE, PEEK, LEAVE, TOUCH)", groups.lock],
      ["rate scripts (TAKE, HOLD)", groups.rate],
      ["feedback scripts (RECORD, LIST)", groups.feedback],
      ["append MULTI", groups.append],
      ["usage scripts (RESERVE, RECORD_TURN)", (id) => groups.usage(id, "2026-02-01", "2026-02")],
    ];
    for (const [what, group] of cases) {
      it(`${what} stay in one slot (prefix ${JSON.stringify(prefix)})`, () => {
        for (const id of IDS) {
          const keys = group(id);
          assert.ok(keySlot.generateMulti(keys) >= 0, `${keys.join(", ")} span slots`);
        }
      });
    }
  }

  it("gives different threads different slots (load spreads over the nodes)", () => {
    const keys = redisKeys();
    const slots = new Set(Array.from({ length: 200 }, (_, n) => keySlot(keys.history(`slack:T1:C1:${n}`))));
    assert.ok(slots.size > 150, `only ${slots.size} slots for 200 threads`);
  });
});
