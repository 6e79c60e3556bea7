// Azure AI Search clients of @azure/search-documents, built once per data source: the key, or the
// bot's own Microsoft Entra ID identity (scope https://search.azure.com/.default, the SDK's default
// audience), and no hidden retries (a throttled search is said at once; the user may ask again).

import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";
import { DefaultAzureCredential } from "@azure/identity";
import {
  AzureKeyCredential,
  KnowledgeRetrievalClient,
  SearchClient,
  SearchIndexClient,
} from "@azure/search-documents";
import type { KnowledgeBaseSource, SearchAuth, SearchIndexSource } from "../datasources/index.js";

/** Options every search client gets; tests add the TLS certificate of their HTTPS double here. */
export interface SearchClientDeps {
  /** Replaces DefaultAzureCredential (tests inject a fake). */
  credential?: TokenCredential;
  /** User-assigned managed identity (AZURE_CLIENT_ID) for DefaultAzureCredential. */
  managedIdentityClientId?: string;
  /** Extra PEM certificate authorities (a test double's self-signed certificate). */
  ca?: string;
}

type Document = Record<string, unknown>;

export function searchCredential(
  auth: SearchAuth,
  deps: SearchClientDeps,
): AzureKeyCredential | TokenCredential {
  if (auth.kind === "api-key") return new AzureKeyCredential(auth.key);
  return (
    deps.credential ??
    new DefaultAzureCredential(
      deps.managedIdentityClientId ? { managedIdentityClientId: deps.managedIdentityClientId } : undefined,
    )
  );
}

/**
 * The service answers a wrong api-key with 403 and an empty body, and @azure/search-documents 13
 * then throws a TypeError (its error deserializer reads `.error` of nothing) instead of a RestError
 * with the status. An empty error body gets a minimal JSON one, so every failure keeps its status.
 */
export const emptyErrorBodyPolicy: PipelinePolicy = {
  name: "emptyErrorBody",
  async sendRequest(request, next) {
    const response = await next(request);
    if (response.status >= 400 && !response.bodyAsText) {
      response.bodyAsText = JSON.stringify({ error: { code: "", message: `HTTP ${response.status}` } });
    }
    return response;
  },
};

function clientOptions(deps: SearchClientDeps) {
  return {
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: emptyErrorBodyPolicy, position: "perCall" as const }],
    ...(deps.ca ? { tlsOptions: { ca: deps.ca } } : {}),
  };
}

export function indexClients(source: SearchIndexSource, deps: SearchClientDeps) {
  const credential = searchCredential(source.auth, deps);
  return {
    search: new SearchClient<Document>(source.endpoint, source.index, credential, clientOptions(deps)),
    indexes: new SearchIndexClient(source.endpoint, credential, clientOptions(deps)),
  };
}

export function knowledgeBaseClient(
  source: KnowledgeBaseSource,
  deps: SearchClientDeps,
): KnowledgeRetrievalClient {
  return new KnowledgeRetrievalClient(
    source.endpoint,
    source.knowledgeBase,
    searchCredential(source.auth, deps),
    clientOptions(deps),
  );
}
