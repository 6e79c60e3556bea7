// The Store contract, run against every implementation (memory.test.ts, redis.test.ts).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Store, StoredMessage } from "../../src/store/types.js";
import type { Reservation } from "../../src/store/usage.js";
import { budgetContract } from "./contract-budgets.js";
import { feedbackContract } from "./contract-feedback.js";

export interface StoreHarness {
  /**
   * A store on the shared backend. Redis: a new client each call (a second process); memory: the
   * same instance, since in-process state is never shared between instances.
   */
  open(): Store;
  /** Closes every opened store and deletes what the tests wrote. */
  cleanup(): Promise<void>;
}

const TTL_SECONDS = 3_600;
const LOCK_TASKS = 20;
const MAX_TASK_MS = 8;
/** A test that would deadlock fails after this instead of hanging the run. */
const DEADLOCK_GUARD_MS = 3_000;

export function message(n: number, role: StoredMessage["role"] = "user"): StoredMessage {
  return { role, content: `message ${n}`, at: 1_700_000_000_000 + n };
}

function thread(): string {
  return `test:${randomUUID()}:C1:1.1`;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function withinGuard<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    sleep(DEADLOCK_GUARD_MS, undefined, { ref: false }).then(() => assert.fail(`timed out: ${what}`)),
  ]);
}

export function storeContract(name: string, makeHarness: () => StoreHarness): void {
  describe(`${name} store contract`, () => {
    let harness: StoreHarness;
    let store: Store;

    before(() => {
      harness = makeHarness();
      store = harness.open();
    });
    after(() => harness.cleanup());

    describe("history", () => {
      it("loads nothing for an unknown thread", async () => {
        assert.deepEqual(await store.load(thread()), []);
      });

      it("appends in order and loads the newest `limit`, oldest first", async () => {
        const tk = thread();
        await store.append(tk, [message(1), message(2, "assistant")], {
          maxMessages: 10,
          ttlSeconds: TTL_SECONDS,
        });
        await store.append(tk, [message(3)], { maxMessages: 10, ttlSeconds: TTL_SECONDS });
        assert.deepEqual(await store.load(tk), [message(1), message(2, "assistant"), message(3)]);
        assert.deepEqual(await store.load(tk, 2), [message(2, "assistant"), message(3)]);
        assert.deepEqual(await store.load(tk, 50), [message(1), message(2, "assistant"), message(3)]);
        assert.deepEqual(await store.load(tk, 0), []);
        assert.deepEqual(await store.load(tk, 0.5), [], "a fractional limit below 1 is none, not all");
      });

      it("keeps userId and fields it does not know", async () => {
        const tk = thread();
        const withExtras = { ...message(1), userId: "U1", extra: { a: 1 } } as StoredMessage;
        await store.append(tk, [withExtras], { maxMessages: 10, ttlSeconds: TTL_SECONDS });
        assert.deepEqual(await store.load(tk), [withExtras]);
      });

      it("caps the thread at maxMessages, keeping the newest", async () => {
        const tk = thread();
        for (let n = 1; n <= 5; n++)
          await store.append(tk, [message(n)], { maxMessages: 3, ttlSeconds: TTL_SECONDS });
        assert.deepEqual(await store.load(tk), [message(3), message(4), message(5)]);
        await store.append(
          tk,
          [6, 7, 8, 9].map((n) => message(n)),
          { maxMessages: 3, ttlSeconds: TTL_SECONDS },
        );
        assert.deepEqual(await store.load(tk), [message(7), message(8), message(9)]);
      });

      it("ignores an empty append and refuses limits that would mean 'keep everything'", async () => {
        const tk = thread();
        await store.append(tk, [], { maxMessages: 3, ttlSeconds: TTL_SECONDS });
        assert.deepEqual(await store.load(tk), []);
        await assert.rejects(
          store.append(tk, [message(1)], { maxMessages: 0, ttlSeconds: TTL_SECONDS }),
          RangeError,
        );
        await assert.rejects(store.append(tk, [message(1)], { maxMessages: 3, ttlSeconds: 0 }), RangeError);
      });

      it("forgets a thread", async () => {
        const tk = thread();
        await store.append(tk, [message(1)], { maxMessages: 10, ttlSeconds: TTL_SECONDS });
        await store.forget(tk);
        assert.deepEqual(await store.load(tk), []);
        await store.forget(tk); // twice is fine
      });
    });

    describe("settings", () => {
      it("sets, gets, resets one key and resets all", async () => {
        const scope = `scope:${randomUUID()}`;
        assert.deepEqual(await store.getSettings(scope), {});
        await store.setSetting(scope, "model", "gpt-4o");
        await store.setSetting(scope, "temperature", "0.2");
        await store.setSetting(scope, "model", "gpt-4.1");
        assert.deepEqual(await store.getSettings(scope), { model: "gpt-4.1", temperature: "0.2" });
        await store.resetSettings(scope, "model");
        assert.deepEqual(await store.getSettings(scope), { temperature: "0.2" });
        await store.resetSettings(scope);
        assert.deepEqual(await store.getSettings(scope), {});
      });

      it("gets many scopes in the order given", async () => {
        const [a, b, empty] = [randomUUID(), randomUUID(), randomUUID()].map((id) => `scope:${id}`) as [
          string,
          string,
          string,
        ];
        await store.setSetting(a, "k", "a");
        await store.setSetting(b, "k", "b");
        assert.deepEqual(await store.getSettingsMany([b, empty, a]), [{ k: "b" }, {}, { k: "a" }]);
        assert.deepEqual(await store.getSettingsMany([]), []);
        await Promise.all([store.resetSettings(a), store.resetSettings(b)]);
      });
    });

    describe("dedupe", () => {
      it("says first-seen once per id, across store instances", async () => {
        const other = harness.open();
        const id = `Ev${randomUUID()}`;
        assert.equal(await store.firstSeen(id, 60), true);
        assert.equal(await other.firstSeen(id, 60), false);
        assert.equal(await store.firstSeen(id, 60), false);
        assert.equal(await other.firstSeen(`Ev${randomUUID()}`, 60), true);
      });

      it("refuses a TTL that would not keep the marker", async () => {
        await assert.rejects(store.firstSeen(`Ev${randomUUID()}`, 0), RangeError);
        await assert.rejects(store.firstSeen(`Ev${randomUUID()}`, Number.NaN), RangeError);
      });
    });

    describe("usage ledger", () => {
      const AT = Date.UTC(2026, 11, 4, 15, 30);
      const who = (userId = "U1") => ({
        workspaceScope: `slack:T${randomUUID()}`,
        conversationScope: "slack:T:C1",
        userId,
      });
      const usage = (model: string, p: number, c: number, extra = 0) => ({
        model,
        promptTokens: p,
        completionTokens: c,
        extraTokens: extra,
        reasoningTokens: 0,
        costMicros: p + c,
      });

      it("adds turns per user, conversation, model and workspace, for the UTC day and month", async () => {
        const alice = who("UALICE");
        const bob = { ...alice, userId: "UBOB", conversationScope: "slack:T:C2" };
        await store.recordTurnUsage(alice, usage("gpt-4o", 100, 20, 5), undefined, AT);
        await harness.open().recordTurnUsage(bob, usage("gpt-4o-mini", 10, 2), undefined, AT);
        await store.recordTurnUsage(alice, usage("gpt-4o", 1, 1), undefined, Date.UTC(2026, 11, 5, 0, 0));

        const day = await store.usageReport(alice.workspaceScope, "2026-12-04");
        assert.deepEqual(day.total, {
          promptTokens: 110,
          completionTokens: 22,
          extraTokens: 5,
          rewriteTokens: 0,
          embeddingTokens: 0,
          reasoningTokens: 0,
          tokens: 137,
          turns: 2,
          costMicros: 132,
        });
        assert.equal(day.users.UALICE?.tokens, 125);
        assert.equal(day.users.UBOB?.turns, 1);
        assert.equal(day.conversations["slack:T:C2"]?.tokens, 12);
        assert.deepEqual(Object.keys(day.models).sort(), ["gpt-4o", "gpt-4o-mini"]);
        const month = await store.usageReport(alice.workspaceScope, "2026-12");
        assert.equal(month.total.turns, 3, "the next day's turn is in the month");
        assert.equal((await store.usageReport(alice.workspaceScope, "2026-12-05")).total.turns, 1);
        assert.equal((await store.usageReport(`slack:T${randomUUID()}`, "2026-12")).total.turns, 0);
      });

      it("refuses a turn once used and held tokens reach a limit, naming it; holds are released", async () => {
        const alice = who();
        const limits = { day: { user: 100 } };
        const holdOf = (r: Reservation) => {
          assert.ok("hold" in r && r.hold, `admitted: ${JSON.stringify(r)}`);
          assert.equal(r.hold.tokens, 60);
          return r.hold;
        };
        const first = holdOf(await store.reserveTurn(alice, 60, limits, AT));
        const second = holdOf(await harness.open().reserveTurn(alice, 60, limits, AT)); // 60 < 100
        const third = await store.reserveTurn(alice, 60, limits, AT);
        assert.deepEqual(third, { exceeded: { scope: "user", period: "day", limit: 100, used: 120 } });
        // The two finish: 30 and 20 tokens used, their holds released.
        await store.recordTurnUsage(alice, usage("m", 20, 10), first, AT);
        await store.recordTurnUsage(alice, usage("m", 10, 10), second, AT);
        const fourth = holdOf(await store.reserveTurn(alice, 60, limits, AT)); // 50 used: room again
        // A failed turn releases what it held without counting a turn.
        await store.recordTurnUsage(alice, undefined, fourth, AT);
        const day = await store.usageReport(alice.workspaceScope, "2026-12-04");
        assert.equal(day.total.turns, 2);
        assert.equal(day.total.tokens, 50);
        // The next UTC day starts from zero; the month keeps counting.
        const tomorrow = Date.UTC(2026, 11, 5, 0, 0, 1);
        assert.ok("hold" in (await store.reserveTurn(alice, 10, { day: { user: 50 } }, tomorrow)));
        assert.deepEqual(await store.reserveTurn(alice, 10, { month: { user: 50 } }, tomorrow), {
          exceeded: { scope: "user", period: "month", limit: 50, used: 60 },
        });
      });

      it("checks every scope: the conversation's and the workspace's limits too", async () => {
        const alice = who("UA");
        const bob = { ...alice, userId: "UB" };
        await store.recordTurnUsage(alice, usage("m", 40, 0), undefined, AT);
        assert.deepEqual(await store.reserveTurn(bob, 1, { day: { conversation: 40 } }, AT), {
          exceeded: { scope: "conversation", period: "day", limit: 40, used: 40 },
        });
        const elsewhere = { ...bob, conversationScope: "slack:T:C9" };
        assert.deepEqual(
          await store.reserveTurn(elsewhere, 1, { day: { conversation: 40, workspace: 40 } }, AT),
          {
            exceeded: { scope: "workspace", period: "day", limit: 40, used: 40 },
          },
        );
        assert.ok("hold" in (await store.reserveTurn(elsewhere, 1, {}, AT)), "no limits: always room");
      });

      it("counts missing or odd token counts as zero", async () => {
        const alice = who();
        await store.recordTurnUsage(alice, usage("m", Number.NaN, 2.6), undefined, AT);
        await store.recordTurnUsage(alice, usage("m", -5, 1), undefined, AT);
        const totals = (await store.usageReport(alice.workspaceScope, "2026-12-04")).total;
        assert.equal(totals.promptTokens, 0);
        assert.equal(totals.completionTokens, 4);
        assert.equal(totals.turns, 2);
      });
    });

    describe("audit trail", () => {
      it("keeps each change in its workspace's list, a conversation's also in its own, newest first", async () => {
        const workspaceScope = `slack:T${randomUUID()}`;
        const base = { platform: "slack", userId: "UADMIN", workspaceScope };
        await store.recordAudit({
          ...base,
          at: 1,
          conversationScope: `${workspaceScope}:C1`,
          scope: "conversation",
          action: "set",
          key: "temperature",
          old: "0.5",
          new: "0.2",
        });
        await harness.open().recordAudit({
          ...base,
          at: 2,
          conversationScope: `${workspaceScope}:C2`,
          scope: "workspace",
          action: "set",
          key: "quota_user_tokens_per_day",
          new: "5000",
        });
        await store.recordAudit({
          ...base,
          at: 3,
          conversationScope: `${workspaceScope}:C1`,
          scope: "conversation",
          action: "forget",
        });

        const workspace = await store.listAudit(workspaceScope, 20);
        assert.deepEqual(
          workspace.map((e) => e.at),
          [3, 2, 1],
        );
        assert.deepEqual(workspace[2], {
          ...base,
          at: 1,
          conversationScope: `${workspaceScope}:C1`,
          scope: "conversation",
          action: "set",
          key: "temperature",
          old: "0.5",
          new: "0.2",
        });
        assert.deepEqual(
          (await store.listAudit(`${workspaceScope}:C1`, 20)).map((e) => e.action),
          ["forget", "set"],
        );
        assert.deepEqual(
          await store.listAudit(`${workspaceScope}:C2`, 20),
          [],
          "a workspace change is not the conversation's",
        );
        assert.equal((await store.listAudit(workspaceScope, 2)).length, 2);
      });
    });

    describe("thread lock", () => {
      it("returns the work's value, passes its error on, and is free again afterwards", async () => {
        const tk = thread();
        assert.equal(await store.withThreadLock(tk, async () => 42), 42);
        await assert.rejects(
          store.withThreadLock(tk, async () => {
            throw new Error("boom");
          }),
          /boom/,
        );
        assert.equal(
          await withinGuard(
            store.withThreadLock(tk, async () => "free"),
            "lock after error",
          ),
          "free",
        );
      });

      it("runs one thread's work strictly one at a time, in arrival order", async () => {
        const tk = thread();
        const spans: { n: number; start: number; end: number }[] = [];
        const tasks = Array.from({ length: LOCK_TASKS }, (_, n) =>
          store.withThreadLock(tk, async () => {
            const start = performance.now();
            await sleep(Math.random() * MAX_TASK_MS);
            spans.push({ n, start, end: performance.now() });
          }),
        );
        await withinGuard(Promise.all(tasks), "serialized tasks");
        assert.deepEqual(
          spans.map((s) => s.n),
          Array.from({ length: LOCK_TASKS }, (_, n) => n),
        );
        for (let i = 1; i < spans.length; i++) {
          const [prev, cur] = [spans[i - 1], spans[i]];
          assert.ok(prev && cur && cur.start >= prev.end, `task ${i} started before task ${i - 1} ended`);
        }
      });

      it("runs different threads concurrently", async () => {
        const [one, two] = [thread(), thread()];
        const oneStarted = deferred();
        const twoDone = deferred();
        // One waits for two to finish: that only completes if the threads do not block each other.
        const a = store.withThreadLock(one, async () => {
          oneStarted.resolve();
          await twoDone.promise;
        });
        await oneStarted.promise;
        const b = store.withThreadLock(two, async () => twoDone.resolve());
        await withinGuard(Promise.all([a, b]), "concurrent threads");
      });

      it("lets a waiter give up on abort without blocking or reordering the others", async () => {
        const tk = thread();
        const order: string[] = [];
        const holding = deferred();
        const release = deferred();
        const first = store.withThreadLock(tk, async () => {
          holding.resolve();
          await release.promise;
          order.push("first");
        });
        await holding.promise;
        const controller = new AbortController();
        let abortedRan = false;
        const aborted = store.withThreadLock(
          tk,
          async () => {
            abortedRan = true;
          },
          controller.signal,
        );
        const third = store.withThreadLock(tk, async () => {
          order.push("third");
        });
        await sleep(20);
        controller.abort();
        await assert.rejects(aborted, { name: "AbortError" });
        assert.deepEqual(order, [], "the holder still holds; nobody overtook it");
        release.resolve();
        await withinGuard(Promise.all([first, third]), "queue after abort");
        assert.deepEqual(order, ["first", "third"]);
        assert.equal(abortedRan, false);
      });

      it("rejects at once with a signal that is already aborted", async () => {
        let ran = false;
        const signal = AbortSignal.abort();
        await assert.rejects(
          store.withThreadLock(
            thread(),
            async () => {
              ran = true;
            },
            signal,
          ),
          { name: "AbortError" },
        );
        assert.equal(ran, false);
      });
    });

    budgetContract(
      () => store,
      () => harness.open(),
    );
    feedbackContract(
      () => store,
      () => harness.open(),
    );

    it("answers ping", async () => {
      assert.equal(await store.ping(), true);
    });
  });
}
