// Wires the core together from a Config: store, LLM client, metrics, engine, and the HTTP server.
// main.ts and the console chat use it; tests use it with test doubles behind the same config.
import type { TokenCredential } from "@azure/identity";
import type { Config } from "./config.js";
import { Dependencies } from "./dependencies.js";
import { Engine } from "./engine/engine.js";
import { createLlmClient } from "./llm/client.js";
import type { LlmClient } from "./llm/types.js";
import type { Logger } from "./log.js";
import { createMetrics, type Metrics } from "./metrics.js";
import type { Clock } from "./reply/types.js";
import { createRetrievers } from "./retrieval/create.js";
import type { Retriever } from "./retrieval/types.js";
import { HttpServer } from "./server.js";
import { createStore } from "./store/create.js";
import type { Store } from "./store/types.js";

export interface Core {
  config: Config;
  logger: Logger;
  store: Store;
  llm: LlmClient;
  metrics: Metrics;
  engine: Engine;
  /** What must answer before the bot is ready (adapters add theirs); /readyz reports it. */
  dependencies: Dependencies;
}

export interface CoreOverrides {
  store?: Store;
  llm?: LlmClient;
  credential?: TokenCredential;
  clock?: Clock;
  metrics?: Metrics;
  /** Azure AI Search clients: a test double's certificate, a fake credential. */
  search?: { ca?: string; credential?: TokenCredential };
  /** Replaces the retrievers built from the data sources (benchmarks: an instant search). */
  retrievers?: ReadonlyMap<string, Retriever>;
}

export async function createCore(
  config: Config,
  logger: Logger,
  overrides: CoreOverrides = {},
): Promise<Core> {
  for (const warning of config.warnings) logger.warn({ component: "config" }, warning);
  const store =
    overrides.store ??
    createStore({ redis: config.redis, logger, usageRetentionDays: config.usage.retentionDays });
  const llm = overrides.llm ?? createLlmClient(config.llm, { logger, credential: overrides.credential });
  const metrics = overrides.metrics ?? createMetrics({ defaultMetrics: true });
  const retrievers =
    overrides.retrievers ??
    (await createRetrievers(config, {
      llm,
      logger,
      ca: overrides.search?.ca,
      credential: overrides.search?.credential,
    }));
  const engine = new Engine({ config, store, llm, logger, metrics, retrievers, clock: overrides.clock });
  await engine.warmUp();
  const dependencies = new Dependencies(logger, overrides.clock);
  // The model's Entra ID token: fetched now so /readyz says when it cannot be had, not the first user.
  const warmUp = llm.warmUp?.bind(llm);
  if (warmUp) {
    void dependencies.connect("model credential", warmUp).catch((err: unknown) => {
      logger.warn({ err }, "stopped waiting for the model credential");
    });
  }
  return { config, logger, store, llm, metrics, engine, dependencies };
}

export function createHttpServer(core: Core, port = core.config.port): HttpServer {
  return new HttpServer({
    port,
    logger: core.logger,
    metrics: core.metrics,
    readiness: {
      store: async () => ((await core.store.ping()) ? null : `${core.store.kind} store unreachable`),
      engine: async () => (core.engine.isDraining ? "shutting down" : null),
      dependencies: async () => core.dependencies.readiness(),
    },
  });
}

/**
 * Graceful stop: readiness fails at once, no new connections, replies in flight get
 * `shutdownTimeoutMs` to finish (then end with a closing note), and the store closes.
 */
export async function shutdown(
  core: Core,
  server: HttpServer | undefined,
  adapterStops: Array<() => Promise<void>> = [],
): Promise<void> {
  server?.startDraining();
  core.dependencies.stop();
  const closing = server?.close();
  // Socket Mode connections stop delivering new events; HTTP adapters stop with the server.
  await Promise.allSettled(adapterStops.map((stop) => stop()));
  await core.engine.drain(core.config.shutdownTimeoutMs);
  await closing;
  await core.store.close();
}
