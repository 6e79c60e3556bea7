// Error mapping vectors. Bodies are the service's real answers: 400 content_filter
// (openai/openai-dotnet#55), 404 DeploymentNotFound (chatboxai/chatbox#861), 401
// (SciSharp/BotSharp#386), 429 (langgenius/dify#12709), context_length_exceeded (chathub-dev/chathub#126),
// unknown_model from the model inference service (microsoft/Generative-AI-for-beginners-dotnet#302).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CredentialUnavailableError } from "@azure/identity";
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
} from "openai";
import { BotError, type BotErrorDetails, type ErrorCode } from "../../src/errors.js";
import {
  AUTH_HINT,
  type ErrorContext,
  retryAfterMs,
  SEARCH_KEY_HINT,
  SEARCH_ROLES_HINT,
  toBotError,
} from "../../src/llm/error-mapping.js";
import type { DataSourceRequest } from "../../src/llm/types.js";
import { registerSecret } from "../../src/redact.js";

function apiError(status: number | undefined, error: object, headers: Record<string, string> = {}): APIError {
  if (status === undefined) return new APIError(undefined, error, undefined, new Headers(headers));
  return APIError.generate(status, { error }, undefined, new Headers(headers));
}

const CONTENT_FILTER_BODY = {
  message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
  type: null,
  param: "prompt",
  code: "content_filter",
  status: 400,
  innererror: {
    code: "ResponsibleAIPolicyViolation",
    content_filter_result: {
      hate: { filtered: false, severity: "safe" },
      jailbreak: { filtered: false, detected: false },
      self_harm: { filtered: false, severity: "safe" },
      sexual: { filtered: true, severity: "high" },
      violence: { filtered: false, severity: "safe" },
    },
  },
};

const RATE_LIMIT_BODY = {
  code: "429",
  message:
    "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds.",
};

interface Vector {
  name: string;
  error: unknown;
  phase?: "request" | "stream";
  code: ErrorCode;
  details?: BotErrorDetails;
}

const vectors: Vector[] = [
  {
    name: "429 with retry-after-ms",
    error: apiError(429, RATE_LIMIT_BODY, { "retry-after-ms": "6500", "retry-after": "7" }),
    code: "llm_rate_limited",
    details: {
      status: 429,
      retryAfterSeconds: 7,
      hint: "deployment quota (tokens or requests per minute) exhausted",
    },
  },
  {
    name: "429 with retry-after seconds only",
    error: apiError(429, RATE_LIMIT_BODY, { "retry-after": "6" }),
    code: "llm_rate_limited",
    details: {
      status: 429,
      retryAfterSeconds: 6,
      hint: "deployment quota (tokens or requests per minute) exhausted",
    },
  },
  {
    name: "429 without headers: the fallback wait",
    error: apiError(429, RATE_LIMIT_BODY),
    code: "llm_rate_limited",
    details: {
      status: 429,
      retryAfterSeconds: 2,
      hint: "deployment quota (tokens or requests per minute) exhausted",
    },
  },
  {
    name: "400 content_filter on the prompt names the category",
    error: apiError(400, CONTENT_FILTER_BODY),
    code: "llm_content_filter",
    details: { status: 400, filteredPart: "prompt", category: "sexual" },
  },
  {
    name: "400 content_filter with the spec's inner_error.content_filter_results spelling",
    error: apiError(400, {
      code: "content_filter",
      message: "filtered",
      inner_error: {
        code: "ResponsibleAIPolicyViolation",
        content_filter_results: { jailbreak: { filtered: true, detected: true } },
      },
    }),
    code: "llm_content_filter",
    details: { status: 400, filteredPart: "prompt", category: "jailbreak" },
  },
  {
    name: "content_filter without a body names no category",
    error: apiError(400, { code: "content_filter", message: "filtered" }),
    code: "llm_content_filter",
    details: { status: 400, filteredPart: "prompt" },
  },
  {
    name: "content_filter error event mid-stream (completion)",
    error: apiError(undefined, {
      code: "content_filter",
      message: "filtered",
      innererror: { content_filter_result: { violence: { filtered: true, severity: "high" } } },
    }),
    phase: "stream",
    code: "llm_content_filter",
    details: { filteredPart: "completion", category: "violence" },
  },
  {
    name: "401 invalid key",
    error: apiError(401, {
      code: "401",
      message: "Access denied due to invalid subscription key or wrong API endpoint.",
    }),
    code: "llm_auth",
    details: { status: 401, hint: AUTH_HINT },
  },
  {
    name: "403 (Entra ID identity without the role)",
    error: apiError(403, {
      code: "PermissionDenied",
      message: "Principal does not have access to API/Operation.",
    }),
    code: "llm_auth",
    details: { status: 403, hint: AUTH_HINT },
  },
  {
    name: "404 DeploymentNotFound names the deployment",
    error: apiError(404, {
      code: "DeploymentNotFound",
      message: "The API deployment for this resource does not exist.",
    }),
    code: "llm_not_found",
    details: {
      status: 404,
      name: "gpt-4o-prod",
      hint: 'no deployment named "gpt-4o-prod" on this resource (a new deployment can take about 5 minutes to appear)',
    },
  },
  {
    name: "404 unknown_model (model inference endpoint)",
    error: apiError(404, {
      code: "unknown_model",
      message: "Unknown model: gpt-4o-prod",
      details: "Unknown model: gpt-4o-prod",
    }),
    code: "llm_not_found",
    details: {
      status: 404,
      name: "gpt-4o-prod",
      hint: 'the model inference endpoint has no deployment named "gpt-4o-prod"; the model field must be the deployment name',
    },
  },
  {
    name: "400 unknown_model is still not-found",
    error: apiError(400, { code: "unknown_model", message: "Unknown model: gpt-4o-prod" }),
    code: "llm_not_found",
  },
  {
    name: "404 without a code (OpenAI-compatible server)",
    error: apiError(404, { message: 'model "llama9" not found, try pulling it first' }),
    code: "llm_not_found",
  },
  {
    name: "400 context_length_exceeded",
    error: apiError(400, {
      message:
        "This model's maximum context length is 4097 tokens. However, your messages resulted in 4294 tokens.",
      type: "invalid_request_error",
      param: "messages",
      code: "context_length_exceeded",
    }),
    code: "llm_context_length",
    details: { status: 400 },
  },
  {
    name: "500",
    error: apiError(500, { code: "InternalServerError", message: "oops" }),
    code: "llm_unavailable",
    details: { status: 500 },
  },
  {
    name: "503",
    error: apiError(503, { code: "ServiceUnavailable", message: "busy" }),
    code: "llm_unavailable",
    details: { status: 503 },
  },
  {
    name: "408",
    error: apiError(408, { message: "timeout" }),
    code: "llm_timeout",
    details: { status: 408 },
  },
  {
    name: "other 400",
    error: apiError(400, { code: "invalid_value", message: "bad temperature" }),
    code: "llm_bad_request",
    details: { status: 400 },
  },
  {
    name: "422",
    error: apiError(422, { message: "unprocessable" }),
    code: "llm_bad_request",
    details: { status: 422 },
  },
  {
    name: "unknown error event mid-stream",
    error: apiError(undefined, { message: "server error" }),
    phase: "stream",
    code: "llm_stream_cut",
  },
  {
    name: "connection refused",
    error: new APIConnectionError({ cause: new Error("ECONNREFUSED") }),
    code: "llm_unavailable",
  },
  { name: "SDK timeout", error: new APIConnectionTimeoutError(), code: "llm_timeout" },
  { name: "abort", error: new APIUserAbortError(), code: "llm_timeout" },
  {
    name: "socket closed while streaming",
    error: new TypeError("terminated"),
    phase: "stream",
    code: "llm_stream_cut",
  },
  {
    name: "malformed SSE while streaming",
    error: new SyntaxError("malformed server-sent event JSON"),
    phase: "stream",
    code: "llm_stream_cut",
  },
  {
    name: "a local failure before any response",
    error: new OpenAIError("timeout must be an integer"),
    code: "internal",
  },
  {
    name: "Entra ID token unavailable (wrapped by the SDK)",
    error: new OpenAIError("Failed to get API key", {
      cause: new CredentialUnavailableError("no managed identity endpoint"),
    }),
    code: "llm_auth",
    details: { hint: AUTH_HINT },
  },
  {
    name: "a BotError passes through",
    error: new BotError("shutting_down", "bye"),
    code: "shutting_down",
  },
];

describe("toBotError", () => {
  for (const v of vectors) {
    test(v.name, () => {
      const mapped = toBotError(v.error, { model: "gpt-4o-prod", phase: v.phase ?? "request" });
      assert.equal(mapped.code, v.code);
      if (v.details) assert.deepEqual(mapped.details, v.details);
      if (!(v.error instanceof BotError)) assert.equal(mapped.cause, v.error);
    });
  }

  test("never puts a secret in the message", () => {
    const key = "0123456789abcdef0123456789abcdef";
    registerSecret(key);
    const echoed = apiError(401, {
      code: "401",
      message: `Access denied for key ${key}; Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.secret.token`,
    });
    const mapped = toBotError(echoed, { model: "m", phase: "request" });
    assert.ok(!mapped.message.includes(key), mapped.message);
    assert.ok(!mapped.message.includes("eyJhbGciOiJIUzI1NiJ9.secret.token"), mapped.message);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  const vectors: Array<[Record<string, string>, number | undefined]> = [
    [{ "retry-after-ms": "1500" }, 1500],
    [{ "retry-after-ms": "12.5" }, 12.5],
    [{ "retry-after": "6" }, 6000],
    [{ "retry-after-ms": "100", "retry-after": "6" }, 100],
    [{ "retry-after-ms": "junk", "retry-after": "2" }, 2000],
    [{ "retry-after": "Wed, 01 Jan 2025 00:00:09 GMT" }, 9000],
    [{ "retry-after": "Tue, 31 Dec 2024 23:59:00 GMT" }, 0],
    [{ "retry-after": "soon" }, undefined],
    [{ "retry-after-ms": "-5" }, undefined],
    [{}, undefined],
  ];
  for (const [headers, expected] of vectors) {
    test(`${JSON.stringify(headers)} → ${expected}`, () => {
      assert.equal(retryAfterMs(new Headers(headers), now), expected);
    });
  }
  test("no headers at all", () => assert.equal(retryAfterMs(undefined), undefined));
});

// On Your Data failures: the service reports Azure AI Search's answer inside a 400 with a numeric code.
// 403: microsoft/sample-app-aoai-chatGPT#624 and Azure-Samples/azure-search-openai-demo#2331; 404: the
// same wrapper around Search's body from microsoft/semantic-kernel#3015; validation:
// microsoft/copilot-camp#429; url: microsoft/sample-app-aoai-chatGPT#275; model call:
// Azure/azure-sdk-for-java#46349.
describe("toBotError for On Your Data", () => {
  const OYD_HELP =
    "Invalid AzureCognitiveSearch configuration detected: Call to get Azure Search index failed. Check if you are using the correct Azure Search endpoint and index name. If you are using key based authentication, check if the admin key is correct. If you are using access token authentication or managed identity of Azure OpenAI, check if the Azure Search has enabled RBAC based authentication and if the user identity or Azure OpenAI managed identity has required role assignments to access Azure Search resource [https://aka.ms/aoaioydauthentication]. If the Azure Search resource has no public network access, make sure enable trusted service of Azure Search.";
  const searchError = (status: number, message: string) =>
    `${OYD_HELP}\nAzure Search Error: ${status}, message='Server responded with status ${status}. Error message: {"error":{"code":"","message":"${message}"}}', url=URL('https://srch-xxx.search.windows.net/indexes/hr-docs?api-version=2021-04-30-Preview')\nServer responded with status ${status}. Error message: {"error":{"code":"","message":"${message}"}}`;
  const oyd = (message: string) =>
    apiError(400, { requestid: "f714cb6b-07ed-4bad-9018-6825fe1901e9", code: 400, message });
  const source = (authentication: object): DataSourceRequest => ({
    type: "azure_search",
    parameters: { endpoint: "https://srch-xxx.search.windows.net", index_name: "hr-docs", authentication },
  });
  const IDENTITY_ID =
    "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/bot-search";
  const context = (dataSource?: DataSourceRequest): ErrorContext => ({
    model: "gpt-4o",
    phase: "request",
    ...(dataSource ? { dataSource } : {}),
  });

  const vectors: Array<{
    name: string;
    error: unknown;
    dataSource?: DataSourceRequest;
    message: RegExp;
    hint: RegExp;
  }> = [
    {
      name: "search 403 with the system-assigned identity: both roles named",
      error: oyd(searchError(403, "Authorization failed.")),
      dataSource: source({ type: "system_assigned_managed_identity" }),
      message: /azure_search index "hr-docs".*Azure AI Search answered 403 "Authorization failed\."/,
      hint: /^system-assigned managed identity: .*"Search Index Data Reader" \(to query\).*"Search Service Contributor"/,
    },
    {
      name: "search 403 with a user-assigned identity: the identity is named",
      error: oyd(searchError(403, "Authorization failed.")),
      dataSource: source({
        type: "user_assigned_managed_identity",
        managed_identity_resource_id: IDENTITY_ID,
      }),
      message: /answered 403/,
      hint: new RegExp(`user-assigned managed identity ${IDENTITY_ID}.*Search Index Data Reader`),
    },
    {
      name: "search 403 with an API key: the key hint (admin key)",
      error: oyd(searchError(403, "Authorization failed.")),
      dataSource: source({ type: "api_key", key: "search-key-value-123" }),
      message: /answered 403/,
      hint: /admin key/,
    },
    {
      name: "search 401 without knowing the source: both hints",
      error: oyd(searchError(401, "Access denied.")),
      message: /AzureCognitiveSearch.*answered 401 "Access denied\."/,
      hint: /Search Index Data Reader.*API key: .*admin key/,
    },
    {
      name: "missing index (search 404)",
      error: oyd(searchError(404, "The index 'hr-docs' for service 'srch-xxx' was not found.")),
      dataSource: source({ type: "system_assigned_managed_identity" }),
      message: /answered 404 "The index 'hr-docs' for service 'srch-xxx' was not found\."/,
      hint: /index "hr-docs" does not exist on https:\/\/srch-xxx\.search\.windows\.net: check AZURE_SEARCH_INDEX/,
    },
    {
      name: "a field the service does not accept",
      error: oyd(
        "Validation error at #/data_sources/0/azure_search/parameters/indexName: Extra inputs are not permitted",
      ),
      dataSource: source({ type: "system_assigned_managed_identity" }),
      message:
        /refused the data source configuration at data_sources\/0\/azure_search\/parameters\/indexName/,
      hint: /DATA_SOURCES_FILE/,
    },
    {
      name: "an endpoint that does not resolve",
      error: oyd(
        "Invalid AzureCognitiveSearch configuration detected: Azure Cognitive Search url fails to resolve.",
      ),
      dataSource: source({ type: "system_assigned_managed_identity" }),
      message: /does not resolve/,
      hint: /AZURE_SEARCH_ENDPOINT \(endpoint https:\/\/srch-xxx\.search\.windows\.net\)/,
    },
    {
      name: "the model behind On Your Data refuses a parameter (unsupported model)",
      error: oyd(
        "An error occurred when calling Azure OpenAI: Server responded with status 400. Error message: {'error': {'message': \"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.\", 'type': 'invalid_request_error', 'param': 'max_tokens', 'code': 'unsupported_parameter'}}",
      ),
      dataSource: source({ type: "system_assigned_managed_identity" }),
      message: /model call behind On Your Data failed/,
      hint: /GPT-4o/,
    },
  ];

  for (const v of vectors) {
    test(v.name, () => {
      const mapped = toBotError(v.error, context(v.dataSource));
      assert.equal(mapped.code, "datasource_error");
      assert.equal(mapped.details.status, 400);
      assert.match(mapped.message, v.message);
      assert.match(mapped.details.hint ?? "", v.hint);
      assert.equal(mapped.cause, v.error);
    });
  }

  test("the hints name the roles and the key", () => {
    assert.match(SEARCH_ROLES_HINT, /"Search Index Data Reader" \(to query\)/);
    assert.match(SEARCH_ROLES_HINT, /"Search Service Contributor" \(to read the index definition\)/);
    assert.match(SEARCH_KEY_HINT, /AZURE_SEARCH_API_KEY/);
  });

  test("the search key never reaches the message or the hint", () => {
    const key = "search-admin-key-0123456789abcdef";
    registerSecret(key);
    const mapped = toBotError(
      oyd(`${searchError(403, "Authorization failed.")} key=${key}`),
      context(source({ type: "api_key", key })),
    );
    assert.ok(!mapped.message.includes(key), mapped.message);
    assert.ok(!(mapped.details.hint ?? "").includes(key));
  });

  test("ordinary errors of a request with a data source keep their codes", () => {
    const dataSource = source({ type: "system_assigned_managed_identity" });
    assert.equal(toBotError(apiError(429, RATE_LIMIT_BODY), context(dataSource)).code, "llm_rate_limited");
    assert.equal(
      toBotError(apiError(400, CONTENT_FILTER_BODY), context(dataSource)).code,
      "llm_content_filter",
    );
    assert.equal(
      toBotError(apiError(400, { code: "BadRequest", message: "something else" }), context(dataSource)).code,
      "llm_bad_request",
    );
  });
});
