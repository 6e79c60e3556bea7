// The ioredis options the store builds: the same fail-fast settings for one node and for every
// cluster node, what managed clusters need (TLS name, NAT map), and the REDIS_CLUSTER_NAT_MAP forms.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CONNECT_TIMEOUT_MS,
  clusterSetup,
  DEFAULT_COMMAND_TIMEOUT_MS,
  MAX_RETRIES_PER_REQUEST,
  parseNatMap,
  RECONNECT_MAX_DELAY_MS,
  singleNodeOptions,
} from "../../src/store/redis-connection.js";
import { objectIdOf, refreshDelayMs } from "../../src/store/redis-entra-auth.js";

const FAIL_FAST = {
  maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
  connectTimeout: CONNECT_TIMEOUT_MS,
  commandTimeout: DEFAULT_COMMAND_TIMEOUT_MS,
};

describe("redis connection options", { timeout: 10_000 }, () => {
  it("fails fast and reconnects on one node", () => {
    const options = singleNodeOptions({ url: "redis://localhost:6379/0" });
    assert.deepEqual(
      [options.maxRetriesPerRequest, options.connectTimeout, options.commandTimeout],
      Object.values(FAIL_FAST),
    );
    assert.equal(typeof options.retryStrategy, "function");
    assert.equal(options.retryStrategy?.(50), RECONNECT_MAX_DELAY_MS);
    assert.equal(
      options.reconnectOnError?.(new Error("READONLY You can't write against a read only replica.")),
      true,
    );
    assert.equal(options.reconnectOnError?.(new Error("WRONGTYPE")), false);
    assert.equal(singleNodeOptions({ url: "redis://h", commandTimeoutMs: 750 }).commandTimeout, 750);
  });

  it("gives every cluster node the same fail-fast settings and the URL's credentials", () => {
    const { startupNodes, options } = clusterSetup({
      url: "redis://bot%40app:p%40ss@10.0.0.5:7000",
      cluster: true,
      commandTimeoutMs: 1_234,
    });
    assert.deepEqual(startupNodes, [{ host: "10.0.0.5", port: 7000 }], "the seed carries no credentials");
    const node = options.redisOptions;
    assert.equal(node?.maxRetriesPerRequest, MAX_RETRIES_PER_REQUEST);
    assert.equal(node?.connectTimeout, CONNECT_TIMEOUT_MS);
    assert.equal(node?.commandTimeout, 1_234);
    assert.equal(node?.reconnectOnError?.(new Error("READONLY")), true);
    assert.equal(node?.username, "bot@app");
    assert.equal(node?.password, "p@ss");
    assert.equal(node?.tls, undefined);
    assert.equal(options.enableOfflineQueue, false, "no unbounded cluster-level queue");
    assert.equal(options.scaleReads, "master");
    assert.equal(options.slotsRefreshTimeout, 1_234);
    assert.equal(options.slotsRefreshInterval, undefined, "RedisConnection refreshes the slot map itself");
    assert.equal(options.clusterRetryStrategy?.(100), RECONNECT_MAX_DELAY_MS, "reconnects forever, capped");
    assert.equal(options.dnsLookup, undefined, "plain TCP: ioredis resolves host names itself");
  });

  it("keeps the seed's host name for TLS verification (Azure Managed Redis, ElastiCache)", () => {
    const { startupNodes, options } = clusterSetup({
      url: "rediss://my-cache.westeurope.redis.azure.net:10000",
      cluster: true,
    });
    assert.deepEqual(startupNodes, [{ host: "my-cache.westeurope.redis.azure.net", port: 10_000 }]);
    assert.deepEqual(options.redisOptions?.tls, { servername: "my-cache.westeurope.redis.azure.net" });
    let resolved: string | undefined;
    options.dnsLookup?.("my-cache.westeurope.redis.azure.net", (_err, address) => {
      resolved = address;
    });
    assert.equal(resolved, "my-cache.westeurope.redis.azure.net", "no lookup: the name stays");
    assert.deepEqual(
      clusterSetup({ url: "rediss://10.1.2.3:6380", cluster: true }).options.redisOptions?.tls,
      {},
    );
  });

  it("passes the NAT map, applies test overrides to every node, and refuses a database", () => {
    const natMap = { "10.0.0.5:6379": { host: "203.0.113.7", port: 6380 } };
    const { options } = clusterSetup({
      url: "redis://10.0.0.5",
      cluster: true,
      natMap,
      overrides: { connectTimeout: 300, retryStrategy: () => 1 },
    });
    assert.deepEqual(options.natMap, natMap);
    assert.equal(options.redisOptions?.connectTimeout, 300);
    assert.equal((options.redisOptions as { retryStrategy?: unknown }).retryStrategy, undefined);
    assert.throws(() => clusterSetup({ url: "redis://h:6379/2", cluster: true }), /only database 0/);
    assert.doesNotThrow(() => clusterSetup({ url: "redis://h:6379/0", cluster: true }));
  });
});

describe("REDIS_CLUSTER_NAT_MAP", { timeout: 10_000 }, () => {
  const expected = {
    "10.0.0.5:6379": { host: "public-host", port: 6380 },
    "10.0.0.6:6379": { host: "public-host", port: 6381 },
  };

  it("reads the JSON form and the short form", () => {
    assert.deepEqual(parseNatMap(JSON.stringify(expected)), expected);
    assert.deepEqual(
      parseNatMap(" 10.0.0.5:6379=public-host:6380, 10.0.0.6:6379=public-host:6381 "),
      expected,
    );
  });

  for (const [bad, why] of [
    ["{not json", /must be JSON/],
    ["[1]", /must be a JSON object/],
    ['{"10.0.0.5:6379":{"host":"h"}}', /must map to \{"host"/],
    ['{"10.0.0.5":{"host":"h","port":1}}', /is not a host:port address/],
    ["10.0.0.5:6379", /must be from=to pairs/],
    ["10.0.0.5:6379=h:99999", /is not a host:port address/],
    ["", /at least one/],
  ] as const) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseNatMap(bad), why);
    });
  }
});

describe("Entra ID token helpers", { timeout: 10_000 }, () => {
  const jwt = (claims: unknown) =>
    `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2lnbmF0dXJl`;

  it("reads the object id from the token's oid claim", () => {
    assert.equal(
      objectIdOf(jwt({ oid: "00000000-0000-0000-0000-0000000000a1" })),
      "00000000-0000-0000-0000-0000000000a1",
    );
    assert.equal(objectIdOf(jwt({ sub: "x" })), undefined);
    assert.equal(objectIdOf("not-a-jwt"), undefined);
    assert.equal(objectIdOf("a.%%%.c"), undefined);
  });

  it("renews at 80% of the lifetime, sooner if the token says so, never in a busy loop", () => {
    const now = 1_000_000;
    assert.equal(refreshDelayMs({ token: "t", expiresOnTimestamp: now + 3_600_000 }, now), 2_880_000);
    assert.equal(
      refreshDelayMs(
        { token: "t", expiresOnTimestamp: now + 3_600_000, refreshAfterTimestamp: now + 1_800_000 },
        now,
      ),
      1_800_000,
    );
    assert.equal(refreshDelayMs({ token: "t", expiresOnTimestamp: now - 5 }, now), 500);
  });
});
