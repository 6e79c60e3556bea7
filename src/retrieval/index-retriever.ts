// Retrieval from an Azure AI Search index the bot queries itself: the field mapping (read once from
// the index definition, cached), the query's embedding when the bot computes it, one search, and
// the results as passages best first.
import type { SearchClient, SearchIndexClient } from "@azure/search-documents";
import type { SearchIndexSource } from "../datasources/index.js";
import { isBotError } from "../errors.js";
import type { LlmClient } from "../llm/types.js";
import type { Logger } from "../log.js";
import {
  type FieldMapping,
  fieldText,
  type IndexShape,
  mapDocumentFields,
  mapIndexFields,
} from "./field-mapping.js";
import { indexClients, type SearchClientDeps } from "./search-clients.js";
import { searchError } from "./search-errors.js";
import { buildSearchRequest, needsEmbedding } from "./search-query.js";
import type { Passage, RetrievalResult, Retriever } from "./types.js";

type Document = Record<string, unknown>;

/** After the index definition could not be read, try again this much later (it may be a passing fault). */
const MAPPING_RETRY_MS = 60_000;

export interface IndexRetrieverDeps extends SearchClientDeps {
  llm: LlmClient;
  logger: Logger;
  timeoutMs: number;
  /** For the retry of a failed definition read. */
  now?: () => number;
}

export class IndexRetriever implements Retriever {
  readonly name: string;
  private readonly source: SearchIndexSource;
  private readonly deps: IndexRetrieverDeps;
  private readonly search: SearchClient<Document>;
  private readonly indexes: SearchIndexClient;
  /** The definition's mapping, read once; undefined while unknown. */
  private mapping: Promise<FieldMapping | undefined> | undefined;
  private mappingFailedAt = 0;
  /** The mapping read off a returned document, kept while the definition stays unreadable. */
  private documentMapping: FieldMapping | undefined;

  constructor(name: string, source: SearchIndexSource, deps: IndexRetrieverDeps) {
    this.name = name;
    this.source = source;
    this.deps = deps;
    const clients = indexClients(source, deps);
    this.search = clients.search;
    this.indexes = clients.indexes;
  }

  async retrieve(query: string, signal: AbortSignal): Promise<RetrievalResult> {
    const abortSignal = AbortSignal.any([signal, AbortSignal.timeout(this.deps.timeoutMs)]);
    try {
      const known = await this.indexMapping(abortSignal);
      // Without the definition, a first plain search shows the documents' fields.
      const mapping = known ?? (await this.mappingFromDocuments(query, abortSignal));
      const embedding = needsEmbedding(this.source)
        ? await this.deps.llm.embed({
            model: this.source.embeddingDeployment ?? "",
            input: query,
            signal: abortSignal,
          })
        : undefined;
      const request = buildSearchRequest(query, this.source, mapping, embedding?.vector);
      const response = await this.search.search(request.searchText, { ...request.options, abortSignal });
      const answered = new Set((response.answers ?? []).map((a) => a.key));
      const passages: Array<Passage & { answered: boolean }> = [];
      for await (const result of response.results) {
        if (this.belowThreshold(result.score, result.rerankerScore)) continue;
        const passage = toPassage(result.document, mapping, result.captions?.[0]?.text);
        if (passage) passages.push({ ...passage, answered: answered.has(passage.id) });
        if (passages.length >= this.source.top) break;
      }
      // A passage holding one of the service's extractive answers goes first (stable otherwise).
      passages.sort((a, b) => Number(b.answered) - Number(a.answered));
      return {
        passages: passages.map(({ answered: _answered, ...passage }) => passage),
        embeddingTokens: embedding?.tokens ?? 0,
      };
    } catch (err) {
      if (isBotError(err) && err.code !== "datasource_error" && !signal.aborted) throw err;
      throw searchError(signal.aborted ? signal.reason : err, this.errorContext());
    }
  }

  private belowThreshold(score: number, rerankerScore: number | undefined): boolean {
    const { minScore, minRerankerScore } = this.source;
    if (minScore !== undefined && score < minScore) return true;
    return minRerankerScore !== undefined && rerankerScore !== undefined && rerankerScore < minRerankerScore;
  }

  /** The mapping from the index definition, read once; undefined when the definition cannot be read. */
  private indexMapping(signal: AbortSignal): Promise<FieldMapping | undefined> {
    const now = this.deps.now ?? Date.now;
    if (!this.mapping || (this.mappingFailedAt && now() - this.mappingFailedAt > MAPPING_RETRY_MS)) {
      this.mappingFailedAt = 0;
      this.mapping = this.indexes.getIndex(this.source.index, { abortSignal: signal }).then(
        (index) => {
          const mapping = mapIndexFields(index as unknown as IndexShape, this.source.fields);
          this.deps.logger.info({ dataSource: this.name, fields: mapping }, "search index fields mapped");
          return mapping;
        },
        (err: unknown) => {
          const status = (err as { statusCode?: number }).statusCode;
          // Other failures (a missing index, an outage) surface through the search itself.
          if (status !== 401 && status !== 403) {
            this.mapping = undefined;
            throw err;
          }
          this.mappingFailedAt = now();
          this.deps.logger.warn(
            { dataSource: this.name, status },
            "cannot read the index definition (a query key or the Search Index Data Reader role may not); mapping fields from the returned documents. Set AZURE_SEARCH_CONTENT_FIELDS and the other *_FIELD variables (or fields_mapping) to choose them",
          );
          return undefined;
        },
      );
    }
    return this.mapping;
  }

  private async mappingFromDocuments(query: string, signal: AbortSignal): Promise<FieldMapping> {
    if (this.documentMapping) return this.documentMapping;
    const response = await this.search.search(query, { top: 1, abortSignal: signal });
    for await (const result of response.results) {
      this.documentMapping = mapDocumentFields(result.document, this.source.fields);
      return this.documentMapping;
    }
    return mapDocumentFields({}, this.source.fields);
  }

  private errorContext() {
    return {
      target: `index "${this.source.index}"`,
      endpoint: this.source.endpoint,
      auth: this.source.auth,
      timeoutMs: this.deps.timeoutMs,
      configuredBy: "AZURE_SEARCH_ENDPOINT and AZURE_SEARCH_INDEX (or the source's endpoint and index_name)",
    };
  }
}

/** A search result as a passage; undefined when it has no content to offer. */
export function toPassage(document: Document, mapping: FieldMapping, caption?: string): Passage | undefined {
  const content = mapping.contentFields
    .map((field) => fieldText(document, field))
    .filter((text): text is string => text !== undefined)
    .join("\n");
  if (content.trim() === "") return undefined;
  const id = fieldText(document, mapping.key) ?? fieldText(document, mapping.chunkIdField) ?? "";
  const optional = {
    title: fieldText(document, mapping.titleField),
    url: fieldText(document, mapping.urlField),
    filepath: fieldText(document, mapping.filepathField),
    chunkId: fieldText(document, mapping.chunkIdField),
    caption,
  };
  return {
    id,
    content,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}
