// Retrieval through an Azure AI Search knowledge base ("retrieve" action of agentic retrieval, GA
// in REST 2026-04-01). GA retrieve takes intents, not chat messages: the bot sends the standalone
// query (rewritten from the conversation) as one semantic intent. The extracted content and the
// references become passages, best first.
import type { KnowledgeRetrievalClient } from "@azure/search-documents";
import type { KnowledgeBaseSource } from "../datasources/index.js";
import { fieldText, mapDocumentFields } from "./field-mapping.js";
import { knowledgeBaseClient, type SearchClientDeps } from "./search-clients.js";
import { searchError } from "./search-errors.js";
import type { Passage, RetrievalResult, Retriever } from "./types.js";

/** Caps the extracted content the service returns; the prompt budget trims further. */
const MAX_OUTPUT_TOKENS = 8_000;

export interface KnowledgeBaseRetrieverDeps extends SearchClientDeps {
  timeoutMs: number;
}

interface Reference {
  id: string;
  type?: string;
  docKey?: string;
  blobUrl?: string;
  docUrl?: string;
  url?: string;
  title?: string;
  sourceData?: Record<string, unknown>;
}

export class KnowledgeBaseRetriever implements Retriever {
  readonly name: string;
  private readonly source: KnowledgeBaseSource;
  private readonly deps: KnowledgeBaseRetrieverDeps;
  private readonly client: KnowledgeRetrievalClient;

  constructor(name: string, source: KnowledgeBaseSource, deps: KnowledgeBaseRetrieverDeps) {
    this.name = name;
    this.source = source;
    this.deps = deps;
    this.client = knowledgeBaseClient(source, deps);
  }

  async retrieve(query: string, signal: AbortSignal): Promise<RetrievalResult> {
    const abortSignal = AbortSignal.any([signal, AbortSignal.timeout(this.deps.timeoutMs)]);
    try {
      const response = await this.client.retrieve(
        {
          intents: [{ type: "semantic", search: query }],
          maxOutputSizeInTokens: MAX_OUTPUT_TOKENS,
          maxRuntimeInSeconds: Math.max(1, Math.ceil(this.deps.timeoutMs / 1000)),
        },
        { abortSignal },
      );
      const references = new Map(
        ((response.references ?? []) as Reference[]).map((reference) => [reference.id, reference]),
      );
      const texts = (response.response ?? []).flatMap((message) =>
        message.content.flatMap((part) =>
          "text" in part && typeof part.text === "string" ? [part.text] : [],
        ),
      );
      const passages = texts.flatMap((text) => passagesOf(text, references)).slice(0, this.source.top);
      return { passages, embeddingTokens: 0 };
    } catch (err) {
      throw searchError(signal.aborted ? signal.reason : err, {
        target: `knowledge base "${this.source.knowledgeBase}"`,
        endpoint: this.source.endpoint,
        auth: this.source.auth,
        timeoutMs: this.deps.timeoutMs,
        configuredBy:
          "AZURE_SEARCH_ENDPOINT and AZURE_SEARCH_KNOWLEDGE_BASE (or the source's endpoint and knowledge_base_name)",
      });
    }
  }
}

/**
 * The extracted content is a JSON array of `{ ref_id, title, content, … }`, one per reference; any
 * other text is one passage as it is.
 */
export function passagesOf(text: string, references: ReadonlyMap<string, Reference>): Passage[] {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch {
    return text.trim() === "" ? [] : [{ id: "response", content: text }];
  }
  if (!Array.isArray(items)) return [{ id: "response", content: text }];
  return items.flatMap((item): Passage[] => {
    if (typeof item !== "object" || item === null) return [];
    const record = item as Record<string, unknown>;
    const refId = record.ref_id === undefined ? undefined : String(record.ref_id);
    const reference = refId === undefined ? undefined : references.get(refId);
    const data = reference?.sourceData ?? {};
    const fromData = mapDocumentFields(data);
    const content =
      fieldText(record, "content") ?? fromData.contentFields.map((f) => fieldText(data, f)).find(Boolean);
    if (!content) return [];
    const optional = {
      title: fieldText(record, "title") ?? fieldText(data, fromData.titleField),
      url:
        fieldText(record, "url") ??
        reference?.url ??
        reference?.blobUrl ??
        reference?.docUrl ??
        fieldText(data, fromData.urlField),
      filepath: fieldText(data, fromData.filepathField),
    };
    return [
      {
        id: reference?.docKey ?? refId ?? "response",
        content,
        ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
      },
    ];
  });
}
