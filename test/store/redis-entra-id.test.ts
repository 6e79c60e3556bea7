// Redis authentication with Microsoft Entra ID tokens (REDIS_ENTRA_ID=true), against a private
// redis-server whose ACL user is named like an object id and whose password is the current token of
// a managed-identity double. The double's tokens last 1.5 s, so the store renews them every 1.2 s;
// the test then revokes the old token, as expiry does: the store keeps working on its connection
// (re-authenticated) and on a new one (CLIENT KILL), a refused token is store_unavailable, and no
// token ever reaches the log.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { Redis } from "ioredis";
import { isBotError } from "../../src/errors.js";
import { createLogger } from "../../src/log.js";
import { RedisStore, type RedisStoreOptions } from "../../src/store/redis.js";
import { CONNECTION_NAME } from "../../src/store/redis-connection.js";
import { REDIS_TOKEN_SCOPE } from "../../src/store/redis-entra-auth.js";
import {
  type RedisServer,
  startCluster,
  startRedisServer,
  type TestCluster,
} from "../helpers/redis-servers.js";
import { message } from "./contract.js";

const OBJECT_ID = "00000000-0000-0000-0000-0000000000a1";
const ADMIN_PASSWORD = "admin-s3cret-for-tests";
const TOKEN_LIFETIME_MS = 1_500;
const COMMAND_TIMEOUT_MS = 1_500;
const TTL = { maxMessages: 50, ttlSeconds: 600 };
const WAIT_MS = 5_000;
/** The ACL user: every command and key, no password until the double issues a token. */
const USER_RULES = ["on", "~*", "&*", "+@all"];

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** A user-assigned managed identity double: JWT-shaped tokens with an `oid` claim. */
class FakeManagedIdentity implements TokenCredential {
  readonly scopes: string[] = [];
  readonly issued: string[] = [];
  /** The next getToken calls that fail (IMDS unreachable). */
  failNext = 0;
  /** Called with each new token before it is returned: the test makes Redis accept it (or not). */
  onIssue: (token: string) => Promise<void> = async () => {};

  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(...[scopes].flat());
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error("ManagedIdentityCredential: the IMDS endpoint did not answer");
    }
    const expiresOnTimestamp = Date.now() + TOKEN_LIFETIME_MS;
    const token = [
      base64url({ alg: "RS256", typ: "JWT" }),
      base64url({
        aud: "https://redis.azure.com",
        oid: OBJECT_ID,
        exp: Math.ceil(expiresOnTimestamp / 1_000),
        n: this.issued.length,
      }),
      randomBytes(32).toString("base64url"),
    ].join(".");
    await this.onIssue(token);
    this.issued.push(token);
    return { token, expiresOnTimestamp };
  }

  get latest(): string {
    const token = this.issued.at(-1);
    assert.ok(token, "no token issued yet");
    return token;
  }

  async nextToken(): Promise<string> {
    const count = this.issued.length;
    await eventually("the next token", async () => this.issued.length > count);
    return this.latest;
  }
}

async function eventually(what: string, check: () => Promise<boolean>, withinMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** AUTH commands the server has run, and how many of them it refused (INFO commandstats). */
async function authStats(admin: Redis): Promise<{ calls: number; refused: number }> {
  const line = /cmdstat_auth:([^\r\n]*)/.exec(await admin.info("commandstats"))?.[1] ?? "";
  const field = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(line)?.[1] ?? 0);
  return { calls: field("calls"), refused: field("failed_calls") + field("rejected_calls") };
}

/** The ids and users of the store's connections (named CONNECTION_NAME) on one server. */
async function storeConnections(admin: Redis): Promise<{ id: string; user: string }[]> {
  const list = String(await admin.client("LIST"));
  return list
    .split("\n")
    .filter((line) => line.includes(` name=${CONNECTION_NAME} `))
    .map((line) => ({ id: /\bid=(\d+)/.exec(line)?.[1] ?? "", user: /\buser=(\S+)/.exec(line)?.[1] ?? "" }));
}

describe("redis store with Microsoft Entra ID authentication", { timeout: 60_000 }, () => {
  let server: RedisServer;
  let admin: Redis;
  const stores: RedisStore[] = [];
  const identities: FakeManagedIdentity[] = [];
  const logLines: string[] = [];
  const logger = createLogger("debug", { write: (line: string) => void logLines.push(line) });
  const acceptToken = (token: string) => admin.call("ACL", "SETUSER", OBJECT_ID, `>${token}`).then(() => {});

  /** A store (a process) with its own managed identity; each test closes its store at the end. */
  function open(options: Partial<RedisStoreOptions> = {}): {
    store: RedisStore;
    identity: FakeManagedIdentity;
  } {
    const identity = new FakeManagedIdentity();
    identity.onIssue = acceptToken;
    identities.push(identity);
    const store = new RedisStore({
      url: `redis://127.0.0.1:${server.port}`,
      keyPrefix: `test:${randomUUID()}:`,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      entraId: { credential: identity, retryBaseDelayMs: 50 },
      logger,
      ...options,
    });
    stores.push(store);
    return { store, identity };
  }

  before(async () => {
    server = await startRedisServer(["--requirepass", ADMIN_PASSWORD]);
    admin = new Redis({ port: server.port, host: "127.0.0.1", password: ADMIN_PASSWORD });
    await admin.call("ACL", "SETUSER", OBJECT_ID, ...USER_RULES);
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    admin?.disconnect();
    await server?.kill();
  });

  it("connects as the token's object id once the first token is there", async () => {
    const { store, identity } = open();
    await store.append("t", [message(1)], TTL); // sent at once: waits for the token, then connects
    assert.deepEqual(await store.load("t"), [message(1)]);
    assert.equal(await store.ping(), true);
    assert.deepEqual(new Set(identity.scopes), new Set([REDIS_TOKEN_SCOPE]));
    const connections = await storeConnections(admin);
    assert.ok(connections.length > 0);
    for (const { user } of connections) assert.equal(user, OBJECT_ID);
    await store.close();
  });

  it("re-authenticates its connection before each token expires, across several rotations", async () => {
    const { store, identity } = open();
    await store.append("rotate", [message(0)], TTL);
    const [connection] = await storeConnections(admin);
    for (let rotation = 1; rotation <= 3; rotation++) {
      const before = await authStats(admin);
      const token = await identity.nextToken();
      await eventually("AUTH with the new token", async () => (await authStats(admin)).calls > before.calls);
      // The old token expires: only the newest one opens a connection from now on.
      await admin.call("ACL", "SETUSER", OBJECT_ID, "resetpass", `>${token}`);
      await store.append("rotate", [message(rotation)], TTL);
      assert.equal((await authStats(admin)).refused, before.refused, "an AUTH was refused");
    }
    assert.deepEqual((await store.load("rotate")).length, 4);
    const stillOpen = (await storeConnections(admin)).map((c) => c.id);
    assert.ok(connection && stillOpen.includes(connection.id), "the same connection was re-authenticated");
    await store.close();
  });

  it("opens a new connection with the newest token after a disconnect", async () => {
    const { store, identity } = open();
    await store.append("reconnect", [message(1)], TTL);
    const token = await identity.nextToken();
    await admin.call("ACL", "SETUSER", OBJECT_ID, "resetpass", `>${token}`);
    const before = (await storeConnections(admin)).map((c) => c.id);
    await admin.client("KILL", "USER", OBJECT_ID);
    await eventually("a working connection", async () => (await store.load("reconnect")).length === 1);
    const now = (await storeConnections(admin)).map((c) => c.id);
    assert.ok(now.length > 0 && now.every((id) => !before.includes(id)), "a new connection");
    assert.equal(await store.ping(), true);
    await store.close();
  });

  it("keeps going when getting a token fails for a while, and says so without the token", async () => {
    const { store, identity } = open();
    await store.append("flaky", [message(1)], TTL);
    await identity.nextToken();
    identity.failNext = 2; // the next renewal fails twice, then succeeds on a retry
    await eventually("a renewal after two failures", async () => identity.failNext === 0);
    await identity.nextToken();
    assert.deepEqual(await store.load("flaky"), [message(1)]);
    assert.match(logLines.join(""), /could not get a Microsoft Entra ID token for Redis; retrying/);
    await store.close();
  });

  it("answers store_unavailable, not a crash, while Redis refuses the token, and recovers", async () => {
    const { store, identity } = open();
    await store.append("refused", [message(1)], TTL);
    identity.onIssue = async () => {}; // Redis is never told about the next tokens
    await identity.nextToken();
    await admin.call("ACL", "SETUSER", OBJECT_ID, "resetpass"); // and every older one expired
    await admin.client("KILL", "USER", OBJECT_ID);
    const started = performance.now();
    const refused = await Promise.allSettled([store.load("refused")]);
    assert.equal(refused[0]?.status, "rejected");
    if (refused[0]?.status === "rejected")
      assert.ok(isBotError(refused[0].reason, "store_unavailable"), String(refused[0].reason));
    assert.ok(performance.now() - started < COMMAND_TIMEOUT_MS + 1_000, "failed fast");
    assert.equal(await store.ping(), false);

    identity.onIssue = acceptToken; // the identity gets access again: the next token works
    await eventually(
      "recovery with an accepted token",
      async () => (await store.load("refused")).length === 1,
    );
    assert.equal(await store.ping(), true);
    await store.close();
  });

  it("never writes a token to the log", () => {
    const log = logLines.join("");
    const issued = identities.flatMap((identity) => identity.issued);
    assert.ok(issued.length >= 10, `only ${issued.length} tokens issued`);
    for (const token of issued) {
      assert.ok(!log.includes(token), "a token reached the log");
      assert.ok(!log.includes(token.split(".")[2] as string), "a token's signature reached the log");
    }
    assert.match(log, /authenticating with Microsoft Entra ID/);
  });
});

describe("redis cluster with Microsoft Entra ID authentication", { timeout: 60_000 }, () => {
  let cluster: TestCluster;
  let store: RedisStore | undefined;
  const identity = new FakeManagedIdentity();
  const everyNode = async (...args: (string | number)[]) => {
    await Promise.all(cluster.ports.map((port) => cluster.admin(port).call(...(args as [string]))));
  };

  before(async () => {
    cluster = await startCluster({
      serverArgs: ["--requirepass", ADMIN_PASSWORD],
      adminPassword: ADMIN_PASSWORD,
    });
    await everyNode("ACL", "SETUSER", OBJECT_ID, ...USER_RULES);
    identity.onIssue = (token) => everyNode("ACL", "SETUSER", OBJECT_ID, `>${token}`);
  });
  after(async () => {
    await store?.close();
    await cluster?.stop();
  });

  it("authenticates every node, renews on every node, and reconnects with the newest token", async () => {
    store = new RedisStore({
      url: cluster.url,
      cluster: true,
      keyPrefix: "entra:",
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      entraId: { credential: identity, retryBaseDelayMs: 50 },
    });
    const threads = Array.from({ length: 30 }, (_, n) => `slack:T1:C1:${n}`);
    const writeAll = (n: number) => Promise.all(threads.map((t) => store?.append(t, [message(n)], TTL)));
    await writeAll(1);
    for (const port of cluster.ports) assert.ok((await storeConnections(cluster.admin(port))).length > 0);

    const authsBefore = await Promise.all(cluster.ports.map((port) => authStats(cluster.admin(port))));
    const token = await identity.nextToken();
    await eventually("AUTH on every node", async () => {
      const now = await Promise.all(cluster.ports.map((port) => authStats(cluster.admin(port))));
      return now.every((stats, i) => stats.calls > (authsBefore[i]?.calls ?? 0));
    });
    await everyNode("ACL", "SETUSER", OBJECT_ID, "resetpass", `>${token}`);
    await writeAll(2);

    await everyNode("CLIENT", "KILL", "USER", OBJECT_ID);
    await eventually("every node reconnected", async () => {
      await Promise.all(threads.map((t) => store?.load(t)));
      return true;
    });
    await writeAll(3);
    for (const t of threads) assert.deepEqual(await store.load(t), [message(1), message(2), message(3)]);
    assert.equal(await store.ping(), true);
  });
});
