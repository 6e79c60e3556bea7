// Public types of the Azure AI Search data-plane double (REST api-version 2026-04-01).
import type { IncomingHttpHeaders } from "node:http";

/** The operations the double serves. */
export type SearchOperation = "getIndex" | "search" | "retrieve";

export interface SearchDoubleIndex {
  /**
   * The index definition JSON exactly as GET /indexes('name') answers (shape of SearchServiceGetIndex.json's
   * response): name, fields[] (name, type, key, searchable, retrievable, filterable, dimensions,
   * vectorSearchProfile ...), semantic.configurations, vectorSearch (profiles, algorithms, vectorizers).
   */
  definition: Record<string, unknown>;
  /**
   * The documents; vector fields may be omitted, the double fills each vector field (type
   * Collection(Edm.Single)) with fakeEmbedding of the document's searchable string fields joined.
   */
  documents: Array<Record<string, unknown>>;
}

export interface SearchDoubleKnowledgeBase {
  name: string;
  /** The knowledge source name reported in activity/references. */
  knowledgeSourceName: string;
  /** Index whose documents it retrieves from. */
  index: string;
}

export interface AzureSearchDoubleOptions {
  /** Accepted in the `api-key` header. Default "test-search-key". */
  apiKey?: string;
  /** Accepted as `Authorization: Bearer <token>`. Default "test-search-token". */
  bearerToken?: string;
  indexes?: SearchDoubleIndex[];
  knowledgeBases?: SearchDoubleKnowledgeBase[];
  /** Delay before every answer (benchmarks use 100). */
  latencyMs?: number;
  /** The service name used in error messages ("The index 'x' for service 'y' ..."). Default "search-double". */
  serviceName?: string;
}

export interface RecordedSearchRequest {
  operation: SearchOperation | "unknown";
  method: string;
  /** The decoded path, e.g. /indexes('hr-index')/docs/search.post.search */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (the raw text when it is not JSON; undefined when empty). */
  body: unknown;
  index?: string;
  knowledgeBase?: string;
}

export interface SearchFailure {
  status: 400 | 401 | 403 | 404 | 429 | 500 | 503;
  /**
   * The error message. Without it 401/403 answer an EMPTY body (what the service sends for a wrong api-key;
   * note that @azure/search-documents 13.0.0 then throws a TypeError instead of a RestError), and the other
   * statuses answer the service's usual text for that status.
   */
  message?: string;
  /** For 429/503: the Retry-After / retry-after-ms headers. Default 1000. */
  retryAfterMs?: number;
  /** How many of the next requests of the operation fail. Default 1. */
  times?: number;
}

export interface AzureSearchDouble {
  /** https://127.0.0.1:<port> (the certificate has 127.0.0.1 and localhost as SANs). */
  url: string;
  /** PEM of the self-signed certificate: pass it to the SDK as `tlsOptions: { ca }`. */
  ca: string;
  requests: RecordedSearchRequest[];
  /**
   * Problems found in requests (unknown body properties, wrong api-version, missing auth, features the double
   * does not implement) and in its own responses (keys the official examples do not have); tests assert it
   * stays empty.
   */
  violations: string[];
  addIndex(index: SearchDoubleIndex): void;
  addKnowledgeBase(kb: SearchDoubleKnowledgeBase): void;
  setLatency(ms: number): void;
  /** The next `times` (default 1) requests of `operation` fail the way the service fails. */
  failNext(operation: SearchOperation, failure: SearchFailure): void;
  /** Never answers the next request of `operation` (for timeout tests) until reset/close. */
  hangNext(operation: SearchOperation): void;
  /** Clears requests, violations, failures, hangs and latency (keeps indexes and knowledge bases). */
  reset(): void;
  close(): Promise<void>;
}

/** What a route handler answers. `body` undefined means an empty body. */
export interface DoubleReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
