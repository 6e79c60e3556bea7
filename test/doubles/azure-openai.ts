// A real HTTP test double of Azure OpenAI (deployment and /openai/v1 routes), the Azure AI model
// inference endpoint (/models) and an OpenAI-compatible server (/v1). It speaks each wire format,
// checks auth, records every request, and validates every body it receives or sends against the
// published specs (test/doubles/spec-validator.ts). A violation is recorded in `specViolations` and
// answered with a 500 (or an SSE error event), so the test fails.
//
// On Your Data: a request with `data_sources` (deployment and /openai/v1 routes) is answered the way
// the service does it: refused params and unknown data source fields give the service's 400s, the
// answer carries `context: { citations, intent }` (first delta, or `message.context`), and search
// failures come back as the service's 400 bodies. See the "On Your Data" section below.
//
// Embeddings: each route kind also serves /embeddings (azure-openai-embeddings.ts), answering
// fakeEmbedding(text) per input, with its own script queue (`scriptEmbeddings`).
//
// The double lives in test/doubles/azure-openai/ (one module per job); this file is its front door.
export type { EmbeddingsScenario, EmbeddingsScenarioSource } from "./azure-openai/embeddings.js";
export { dataSourceSpecErrors } from "./azure-openai/on-your-data.js";
export * from "./azure-openai/scenarios.js";
export { startAzureOpenAIDouble } from "./azure-openai/server.js";
