// One retriever per data source the bot searches itself, built once at start. The search SDK and
// its identity library (about 13 MiB of memory) are loaded only when a data source needs them.
import type { TokenCredential } from "@azure/identity";
import type { Config } from "../config.js";
import type { LlmClient } from "../llm/types.js";
import type { Logger } from "../log.js";
import type { Retriever } from "./types.js";

export interface RetrieverDeps {
  llm: LlmClient;
  logger: Logger;
  /** Extra PEM certificate authorities (tests). */
  ca?: string;
  /** Replaces DefaultAzureCredential (tests). */
  credential?: TokenCredential;
}

export async function createRetrievers(config: Config, deps: RetrieverDeps): Promise<Map<string, Retriever>> {
  const retrievers = new Map<string, Retriever>();
  const searched = config.dataSources.filter((source) => source.mode !== "on_your_data");
  if (searched.length === 0) return retrievers;
  const [{ IndexRetriever }, { KnowledgeBaseRetriever }] = await Promise.all([
    import("./index-retriever.js"),
    import("./knowledge-base-retriever.js"),
  ]);
  const common = {
    timeoutMs: config.search.timeoutMs,
    managedIdentityClientId: config.search.managedIdentityClientId,
    ca: deps.ca,
    credential: deps.credential,
  };
  const logger = deps.logger.child({ component: "search" });
  for (const source of searched) {
    const search = source.search;
    retrievers.set(
      source.name,
      search.mode === "search"
        ? new IndexRetriever(source.name, search, { ...common, llm: deps.llm, logger })
        : new KnowledgeBaseRetriever(source.name, search, common),
    );
  }
  return retrievers;
}
