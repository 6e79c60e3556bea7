// One retriever per data source the bot searches itself, built once at start.
import type { TokenCredential } from "@azure/identity";
import type { Config } from "../config.js";
import type { LlmClient } from "../llm/types.js";
import type { Logger } from "../log.js";
import { IndexRetriever } from "./index-retriever.js";
import { KnowledgeBaseRetriever } from "./knowledge-base-retriever.js";
import type { Retriever } from "./types.js";

export interface RetrieverDeps {
  llm: LlmClient;
  logger: Logger;
  /** Extra PEM certificate authorities (tests). */
  ca?: string;
  /** Replaces DefaultAzureCredential (tests). */
  credential?: TokenCredential;
}

export function createRetrievers(config: Config, deps: RetrieverDeps): Map<string, Retriever> {
  const common = {
    timeoutMs: config.search.timeoutMs,
    managedIdentityClientId: config.search.managedIdentityClientId,
    ca: deps.ca,
    credential: deps.credential,
  };
  const logger = deps.logger.child({ component: "search" });
  const retrievers = new Map<string, Retriever>();
  for (const source of config.dataSources) {
    if (source.mode === "on_your_data") continue;
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
