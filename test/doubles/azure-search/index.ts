// Test double of the Azure AI Search data plane (REST api-version 2026-04-01) for the real
// @azure/search-documents 13 clients: SearchIndexClient.getIndex, SearchClient.search and
// KnowledgeRetrievalClient.retrieve, over HTTPS with a self-signed certificate.

export { THROTTLED_MESSAGE } from "./failures.js";
export { HR_INDEX, HR_INDEX_NAME, HR_KNOWLEDGE_BASE } from "./fixtures-hr.js";
export { PRODUCT_INDEX, PRODUCT_INDEX_NAME } from "./fixtures-product.js";
export { API_VERSION } from "./routing.js";
export { startAzureSearchDouble } from "./server.js";
export {
  exampleResponses,
  examplesAvailable,
  examplesDir,
  unexpectedResponseKeys,
} from "./spec-examples.js";
export type {
  AzureSearchDouble,
  AzureSearchDoubleOptions,
  RecordedSearchRequest,
  SearchDoubleIndex,
  SearchDoubleKnowledgeBase,
  SearchFailure,
  SearchOperation,
} from "./types.js";
