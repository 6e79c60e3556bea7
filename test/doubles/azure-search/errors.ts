// The error answers of Azure AI Search, in one place with where each text comes from. The service's error
// body is {"error": {"code": "", "message": "..."}} (code is usually empty); OData parameter errors end with
// "\r\nParameter name: <name>". Texts marked INVENTED were not found in any public capture.
import type { DoubleReply } from "./types.js";

/**
 * Valid in the real service but not implemented by the double: the server answers 400 AND records a
 * violation, so a test cannot pass by relying on something the double only pretends to do.
 */
export class UnsupportedFeature extends Error {}

/** Thrown by handlers; the server turns it into the reply. */
export class ServiceError extends Error {
  constructor(readonly reply: DoubleReply) {
    super(`${reply.status}`);
  }
}

export function errorReply(
  status: number,
  message: string,
  code = "",
  details?: Array<{ code: string; message: string }>,
): DoubleReply {
  return { status, body: { error: details ? { code, message, details } : { code, message } } };
}

function fail(
  status: number,
  message: string,
  code = "",
  details?: Array<{ code: string; message: string }>,
) {
  return new ServiceError(errorReply(status, message, code, details));
}

const PARAMETER = "\r\nParameter name: ";

// Source: Azure-Samples/azure-search-openai-demo#79, microsoft/semantic-kernel#3015 (raw body
// {"error":{"code":"","message":"The index 'x' for service 'y' was not found."}}).
export const indexNotFound = (index: string, service: string) =>
  fail(404, `The index '${index}' for service '${service}' was not found.`);

// INVENTED by analogy with the index text (no public capture of a missing knowledge base found).
export const knowledgeBaseNotFound = (kb: string, service: string) =>
  fail(404, `The knowledge base '${kb}' for service '${service}' was not found.`);

// Source: public reports of raw calls without/with a bad api-version (e.g. a Foundry gateway dropping the
// query string): 400 "Invalid or missing api-version query string parameter".
export const badApiVersion = () => fail(400, "Invalid or missing api-version query string parameter.");

// Source: azure-sdk-for-net#2092, Azure/gpt-rag-ingestion#37 ("The request is invalid. Details: The
// property 'x' does not exist on type 'Microsoft.Azure.Search.V2023_11_01.SchemaField'. Make sure ...").
// The type names for 2026-04-01 follow that pattern; the retrieve type name is a guess (the preview
// $metadata calls the request types Agent*).
export const unknownProperty = (property: string, type: string) =>
  fail(
    400,
    `The request is invalid. Details: The property '${property}' does not exist on type ` +
      `'Microsoft.Azure.Search.V2026_04_01.${type}'. Make sure to only use property names that are defined by the type.`,
    "InvalidRequestParameter",
  );

// Source: run-llama/llama_index#13513 ("Invalid expression: Syntax error at position 62 in '...'.
// Parameter name: $filter", empty code).
export const filterSyntax = (filter: string, position: number) =>
  fail(400, `Invalid expression: Syntax error at position ${position} in '${filter}'.${PARAMETER}$filter`);

// Source: MicrosoftLearning/AI-102-AIEngineer#136 ("Invalid expression: Could not find a property named
// 'url' on type 'search.document'. Parameter name: $select"); the same text is used for $filter.
export const noSuchProperty = (field: string, parameter: "$filter" | "$select" | "$orderby") =>
  fail(
    400,
    `Invalid expression: Could not find a property named '${field}' on type 'search.document'.${PARAMETER}${parameter}`,
  );

// Close to the service's text (from memory of real answers; not found verbatim in a public capture).
export const notFilterable = (field: string) =>
  fail(
    400,
    `Invalid expression: '${field}' is not a filterable field. Only filterable fields can be used in filter expressions.${PARAMETER}$filter`,
  );

// Source: Azure-Samples/azure-search-openai-demo#2679 ("The field 'id' in the search field list is not
// searchable. Parameter name: searchFields").
export const notSearchable = (field: string) =>
  fail(400, `The field '${field}' in the search field list is not searchable.${PARAMETER}searchFields`);

// Source: microsoft/azurechat#319 ("The field 'content' in the vector field list is not a vector field.
// Parameter name: vector.fields").
export const notVectorField = (field: string) =>
  fail(400, `The field '${field}' in the vector field list is not a vector field.${PARAMETER}vector.fields`);

// Source: Azure-Samples/azure-search-openai-demo#2679 ("(InvalidVectorQuery) Field 'embedding' does not
// have a vectorizer defined in it's vector profile." — the service's own spelling).
export const noVectorizer = (field: string) =>
  fail(
    400,
    `Field '${field}' does not have a vectorizer defined in it's vector profile.`,
    "InvalidVectorQuery",
  );

// INVENTED: a raw vector whose length differs from the field's dimensions.
export const wrongDimensions = (field: string, got: number, want: number) =>
  fail(
    400,
    `The vector field '${field}' expects vectors of dimension ${want}, but the query vector has ${got}.${PARAMETER}vector`,
    "InvalidVectorQuery",
  );

// Source: microsoft/sample-app-aoai-chatGPT#1227, Azure-Samples/aisearch-openai-rag-audio#53
// ({"code":"InvalidRequestParameter","message":"Unknown semantic configuration 'default'.\r\nParameter
// name: semanticConfiguration","details":[{"code":"UnknownSemanticConfiguration",...}]}).
export const unknownSemanticConfiguration = (name: string) =>
  fail(
    400,
    `Unknown semantic configuration '${name}'.${PARAMETER}semanticConfiguration`,
    "InvalidRequestParameter",
    [{ code: "UnknownSemanticConfiguration", message: `Unknown semantic configuration '${name}'.` }],
  );

// Source (message): Azure/azure-sdk-for-python#39007. The code and the "Parameter name" suffix follow the
// unknown-configuration answer above.
export const missingSemanticConfiguration = () =>
  fail(
    400,
    `The parameter 'semanticConfiguration' must not be empty. Alternatively, set a default semantic configuration for this index.${PARAMETER}semanticConfiguration`,
    "InvalidRequestParameter",
  );

// Source (wording "Valid types are: semantic"): a public spike log of the 2026 retrieve API. The rest is INVENTED.
export const badIntent = (detail: string) =>
  fail(
    400,
    `The request is invalid. Details: ${detail} Valid types are: semantic.`,
    "InvalidRequestParameter",
  );

// INVENTED: knowledgeSourceParams naming a source the knowledge base does not have.
export const unknownKnowledgeSource = (name: string, kb: string) =>
  fail(
    400,
    `The knowledge source '${name}' is not part of the knowledge base '${kb}'.`,
    "InvalidRequestParameter",
  );

export const invalidJson = (detail: string) =>
  fail(400, `The request is invalid. Details: ${detail}`, "InvalidRequestParameter");

/** A feature the double does not implement, answered like a bad request (the caller records a violation). */
export const unsupported = (what: string) =>
  fail(400, `The Azure AI Search double does not support ${what}.`);

// Source: the SearchClient search result of a wrong path is a plain 404; INVENTED text.
export const routeNotFound = () => fail(404, "The requested resource does not exist.");
