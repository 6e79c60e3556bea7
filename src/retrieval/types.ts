// The retrieval port: what the engine needs from a document search, whatever runs it (an Azure AI
// Search index the bot queries, a knowledge base's retrieve action).

/** One passage of a document, as it goes into the prompt as a numbered source. */
export interface Passage {
  /** The document key (or reference id): what debug logs show instead of the text. */
  id: string;
  content: string;
  title?: string;
  url?: string;
  filepath?: string;
  chunkId?: string;
  /** A short extract the service chose (semantic captions): shown in the Sources list when present. */
  caption?: string;
}

export interface RetrievalResult {
  /** Best first. */
  passages: Passage[];
  /** Tokens spent embedding the query (0 when the index or knowledge base did it). */
  embeddingTokens: number;
}

export interface Retriever {
  /** The data source's name, for logs and notes. */
  readonly name: string;
  /** Throws BotError("datasource_error") with a hint and a `kind` detail when the search fails. */
  retrieve(query: string, signal: AbortSignal): Promise<RetrievalResult>;
}
