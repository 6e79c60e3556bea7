// The "On Your Data" data source configuration of Azure OpenAI api-version 2024-10-21, written by hand
// as zod schemas that mirror the published spec (../shared/specs/azure-openai/2024-10-21/inference.json:
// azureChatExtensionConfiguration and everything it references). test/datasources/spec-drift.test.ts
// compares these schemas with the spec field by field, so they cannot drift apart.
//
// The 2024-10-21 spec defines exactly two data source types, azure_search and azure_cosmos_db
// (Elasticsearch, Pinecone, MongoDB and Azure ML indexes exist only in preview api-versions), four
// authentication types, and two vectorization sources (endpoint, deployment_name).
//
// Objects are strict: the service refuses a parameter it does not know with 400 "Validation error at
// #/data_sources/0/azure_search/parameters/<name>: Extra inputs are not permitted"
// (microsoft/copilot-camp#429, microsoft/semantic-kernel#11337), so a typo is caught at start instead.
import { z } from "zod";

export const SCHEMA_API_VERSION = "2024-10-21";

// Enums, as the spec lists them.
export const DATA_SOURCE_TYPES = ["azure_search", "azure_cosmos_db"] as const;
export const AUTHENTICATION_TYPES = [
  "api_key",
  "connection_string",
  "system_assigned_managed_identity",
  "user_assigned_managed_identity",
] as const;
export const QUERY_TYPES = [
  "simple",
  "semantic",
  "vector",
  "vector_simple_hybrid",
  "vector_semantic_hybrid",
] as const;
export const VECTORIZATION_SOURCE_TYPES = ["endpoint", "deployment_name"] as const;

/** Query types that search by vector and so need embeddings of the question. */
export const VECTOR_QUERY_TYPES: ReadonlySet<string> = new Set([
  "vector",
  "vector_simple_hybrid",
  "vector_semantic_hybrid",
]);
/** Query types that use a semantic configuration of the index. */
export const SEMANTIC_QUERY_TYPES: ReadonlySet<string> = new Set(["semantic", "vector_semantic_hybrid"]);

/** Fields whose values are secrets: never echoed in an error, registered for redaction. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(["key", "connection_string"]);

/** Spec `strictness`: minimum 1, maximum 5. */
export const STRICTNESS_MIN = 1;
export const STRICTNESS_MAX = 5;

// `format: int32` in the spec.
const int32 = () => z.int32();

// ---------------------------------------------------------------------------------------------
// Authentication (onYourData*AuthenticationOptions)

export const ApiKeyAuthentication = z.strictObject({
  type: z.literal("api_key"),
  key: z.string(),
});

export const ConnectionStringAuthentication = z.strictObject({
  type: z.literal("connection_string"),
  connection_string: z.string(),
});

export const SystemAssignedManagedIdentityAuthentication = z.strictObject({
  type: z.literal("system_assigned_managed_identity"),
});

export const UserAssignedManagedIdentityAuthentication = z.strictObject({
  type: z.literal("user_assigned_managed_identity"),
  managed_identity_resource_id: z.string(),
});

// ---------------------------------------------------------------------------------------------
// Vectorization sources (onYourData*VectorizationSource)

export const EndpointVectorizationSource = z.strictObject({
  type: z.literal("endpoint"),
  endpoint: z.url(),
  authentication: ApiKeyAuthentication,
});

export const DeploymentNameVectorizationSource = z.strictObject({
  type: z.literal("deployment_name"),
  deployment_name: z.string(),
});

const EmbeddingDependency = z.discriminatedUnion("type", [
  EndpointVectorizationSource,
  DeploymentNameVectorizationSource,
]);

// ---------------------------------------------------------------------------------------------
// Azure AI Search (azureSearchChatExtensionParameters)

export const AzureSearchFieldsMapping = z.strictObject({
  title_field: z.string().optional(),
  url_field: z.string().optional(),
  filepath_field: z.string().optional(),
  content_fields: z.array(z.string()).optional(),
  content_fields_separator: z.string().optional(),
  vector_fields: z.array(z.string()).optional(),
});

export const AzureSearchParameters = z.strictObject({
  authentication: z.discriminatedUnion("type", [
    ApiKeyAuthentication,
    SystemAssignedManagedIdentityAuthentication,
    UserAssignedManagedIdentityAuthentication,
  ]),
  top_n_documents: int32().optional(),
  in_scope: z.boolean().optional(),
  strictness: int32().min(STRICTNESS_MIN).max(STRICTNESS_MAX).optional(),
  role_information: z.string().optional(),
  endpoint: z.url(),
  index_name: z.string(),
  fields_mapping: AzureSearchFieldsMapping.optional(),
  query_type: z.enum(QUERY_TYPES).optional(),
  semantic_configuration: z.string().optional(),
  filter: z.string().optional(),
  embedding_dependency: EmbeddingDependency.optional(),
});

export const AzureSearchDataSource = z.strictObject({
  type: z.literal("azure_search"),
  parameters: AzureSearchParameters,
});

// ---------------------------------------------------------------------------------------------
// Azure Cosmos DB for MongoDB vCore (azureCosmosDBChatExtensionParameters)

export const AzureCosmosDBFieldsMapping = z.strictObject({
  title_field: z.string().optional(),
  url_field: z.string().optional(),
  filepath_field: z.string().optional(),
  content_fields: z.array(z.string()),
  content_fields_separator: z.string().optional(),
  vector_fields: z.array(z.string()),
});

export const AzureCosmosDBParameters = z.strictObject({
  authentication: ConnectionStringAuthentication,
  top_n_documents: int32().optional(),
  in_scope: z.boolean().optional(),
  strictness: int32().min(STRICTNESS_MIN).max(STRICTNESS_MAX).optional(),
  role_information: z.string().optional(),
  database_name: z.string(),
  container_name: z.string(),
  index_name: z.string(),
  fields_mapping: AzureCosmosDBFieldsMapping,
  embedding_dependency: EmbeddingDependency,
});

export const AzureCosmosDBDataSource = z.strictObject({
  type: z.literal("azure_cosmos_db"),
  parameters: AzureCosmosDBParameters,
});

// ---------------------------------------------------------------------------------------------

/** One entry of the request's `data_sources` (azureChatExtensionConfiguration, discriminated by `type`). */
export const DataSourceConfiguration = z.discriminatedUnion("type", [
  AzureSearchDataSource,
  AzureCosmosDBDataSource,
]);

export type AzureSearchParametersInput = z.infer<typeof AzureSearchParameters>;
export type DataSourceConfigurationInput = z.infer<typeof DataSourceConfiguration>;

/** Spec schema name of each data source type's configuration, for the drift test and the double. */
export const SPEC_CONFIGURATION_SCHEMA: Record<(typeof DATA_SOURCE_TYPES)[number], string> = {
  azure_search: "azureSearchChatExtensionConfiguration",
  azure_cosmos_db: "azureCosmosDBChatExtensionConfiguration",
};
