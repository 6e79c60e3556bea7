// The retrieval step of a grounded turn: the standalone query (rewritten from the conversation when
// that is on), the search, and what it cost. Counted in /metrics; the debug log names the query and
// the source ids, never document text.

import { isBotError } from "../errors.js";
import type { ModelProfile } from "../llm/models.js";
import type { LlmClient } from "../llm/types.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Clock } from "../reply/types.js";
import { standaloneQuery } from "../retrieval/rewrite.js";
import type { Passage, Retriever } from "../retrieval/types.js";
import type { StoredMessage } from "../store/types.js";
import { countTokens } from "./tokens.js";

export interface RetrievalStepDeps {
  llm: LlmClient;
  metrics: Metrics;
  clock: Clock;
  /** Rewrite follow-ups into standalone queries (AZURE_SEARCH_QUERY_REWRITE). */
  queryRewrite: boolean;
}

export interface RetrievalStepInput {
  retriever: Retriever;
  /** "search" or "knowledge_base": the search metric's label. */
  mode: string;
  question: string;
  history: readonly StoredMessage[];
  model: string;
  profile: ModelProfile;
  signal: AbortSignal;
  log: Logger;
}

export interface RetrievalStepResult {
  query: string;
  passages: Passage[];
  /** Tokens of the rewrite call (prompt and completion), 0 when none was made. */
  rewriteTokens: number;
  embeddingTokens: number;
}

/** Throws the retriever's datasource_error (counted by kind) when the search fails. */
export async function retrieveForTurn(
  deps: RetrievalStepDeps,
  input: RetrievalStepInput,
): Promise<RetrievalStepResult> {
  const { metrics, clock } = deps;
  const encoding = input.profile.encoding;
  const rewrite = deps.queryRewrite
    ? await standaloneQuery(deps.llm, {
        model: input.model,
        profile: input.profile,
        history: input.history,
        question: input.question,
        signal: input.signal,
      })
    : { query: input.question };
  let rewriteTokens = 0;
  if ("error" in rewrite && rewrite.error !== undefined) {
    if (input.signal.aborted) throw input.signal.reason;
    input.log.warn(
      { err: rewrite.error },
      "could not rewrite the question into a search query; searching for it as it is",
    );
  } else if ("prompt" in rewrite && rewrite.prompt !== undefined) {
    rewriteTokens = rewrite.usage
      ? rewrite.usage.promptTokens + rewrite.usage.completionTokens
      : countTokens(rewrite.prompt, encoding) + countTokens(rewrite.query, encoding);
    metrics.rewriteTokens.inc(rewriteTokens);
  }

  const started = clock.now();
  try {
    const result = await input.retriever.retrieve(rewrite.query, input.signal);
    metrics.searchDuration.observe({ mode: input.mode }, (clock.now() - started) / 1000);
    if (result.embeddingTokens > 0) metrics.embeddingTokens.inc(result.embeddingTokens);
    input.log.debug(
      { dataSource: input.retriever.name, query: rewrite.query, sources: result.passages.map((p) => p.id) },
      "searched",
    );
    return {
      query: rewrite.query,
      passages: result.passages,
      rewriteTokens,
      embeddingTokens: result.embeddingTokens,
    };
  } catch (err) {
    metrics.searchDuration.observe({ mode: input.mode }, (clock.now() - started) / 1000);
    if (isBotError(err, "datasource_error"))
      metrics.searchErrors.inc({ kind: err.details.kind ?? "unavailable" });
    throw err;
  }
}

/** Links shown with the search's step (Slack's task card): at most this many. */
const SOURCE_LINKS_MAX = 20;

/** Links to what the search found, once each, for the step a platform shows. */
export function sourceLinks(passages: readonly Passage[]): Array<{ title: string; url: string }> {
  const links = new Map<string, string>();
  for (const p of passages) {
    if (p.url && /^https?:\/\//.test(p.url) && !links.has(p.url))
      links.set(p.url, p.title ?? p.filepath ?? p.url);
  }
  return [...links].slice(0, SOURCE_LINKS_MAX).map(([url, title]) => ({ title, url }));
}

/** The step's outcome in words. */
export function foundSources(count: number): string {
  return count === 0 ? "Found nothing" : `Found ${count} source${count === 1 ? "" : "s"}`;
}
