// The HTTPS server of the Azure AI Search double. Per request: record, hang or wait, injected failure,
// api-version, auth, the operation, and a check of the answer against the official examples.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import {
  badApiVersion,
  errorReply,
  indexNotFound,
  invalidJson,
  knowledgeBaseNotFound,
  routeNotFound,
  ServiceError,
  UnsupportedFeature,
  unsupported,
} from "./errors.js";
import { FailurePlan, failureReply } from "./failures.js";
import { IndexModel } from "./index-model.js";
import { handleRetrieve } from "./retrieve.js";
import { API_VERSION, metadataLevel, parseJson, readBody, route, sendReply } from "./routing.js";
import { type HandlerContext, handleSearch } from "./search.js";
import { examplesAvailable, unexpectedResponseKeys } from "./spec-examples.js";
import { searchTlsIdentity } from "./tls.js";
import type {
  AzureSearchDouble,
  AzureSearchDoubleOptions,
  DoubleReply,
  RecordedSearchRequest,
  SearchDoubleKnowledgeBase,
} from "./types.js";

export async function startAzureSearchDouble(
  options: AzureSearchDoubleOptions = {},
): Promise<AzureSearchDouble> {
  const apiKey = options.apiKey ?? "test-search-key";
  const bearerToken = options.bearerToken ?? "test-search-token";
  const service = options.serviceName ?? "search-double";
  const indexes = new Map<string, IndexModel>();
  const knowledgeBases = new Map<string, SearchDoubleKnowledgeBase>();
  const requests: RecordedSearchRequest[] = [];
  const violations: string[] = [];
  const plan = new FailurePlan();
  const hung = new Set<ServerResponse>();
  let latencyMs = options.latencyMs ?? 0;
  const checkResponses = examplesAvailable();
  const tls = await searchTlsIdentity();
  let url = "";

  function answer(
    record: RecordedSearchRequest,
    parsed: ReturnType<typeof parseJson>,
    context: HandlerContext,
  ): DoubleReply {
    const { operation } = record;
    if (operation === "unknown") {
      context.violation(`unknown route: ${record.method} ${record.path}`);
      throw routeNotFound();
    }
    const failure = plan.takeFailure(operation);
    if (failure) {
      return failureReply(failure, {
        operation,
        service,
        ...(record.index ? { index: record.index } : {}),
        ...(record.knowledgeBase ? { knowledgeBase: record.knowledgeBase } : {}),
      });
    }
    if (record.query["api-version"] !== API_VERSION) {
      context.violation(
        `${operation}: api-version '${record.query["api-version"] ?? ""}' (expected ${API_VERSION})`,
      );
      throw badApiVersion();
    }
    const key = record.headers["api-key"];
    const authorization = record.headers.authorization;
    if (key !== apiKey && authorization !== `Bearer ${bearerToken}`) {
      context.violation(`${operation}: neither the right api-key nor the right bearer token`);
      // A wrong key: 403 with an empty body; a token without a role: "Authorization failed." (see failures.ts).
      return key === undefined && authorization !== undefined
        ? errorReply(403, "Authorization failed.")
        : { status: 403 };
    }
    if (
      record.method === "POST" &&
      !String(record.headers["content-type"] ?? "").startsWith("application/json")
    ) {
      context.violation(
        `${operation}: content-type '${record.headers["content-type"] ?? ""}' is not application/json`,
      );
    }
    if (!parsed.ok) throw invalidJson(parsed.error);
    if (operation === "retrieve") {
      const kb = knowledgeBases.get(record.knowledgeBase ?? "");
      if (!kb) throw knowledgeBaseNotFound(record.knowledgeBase ?? "", service);
      const model = indexes.get(kb.index);
      if (!model) throw indexNotFound(kb.index, service);
      return handleRetrieve(kb, model, parsed.value, context);
    }
    const model = indexes.get(record.index ?? "");
    if (!model) throw indexNotFound(record.index ?? "", service);
    if (operation === "search") return handleSearch(model, parsed.value, context);
    const {
      "@odata.context": _context,
      "@odata.etag": _etag,
      ...definition
    } = structuredClone(model.definition);
    const metadata =
      context.metadata === "none"
        ? {}
        : { "@odata.context": `${url}/$metadata#indexes/$entity`, "@odata.etag": model.etag };
    return { status: 200, body: { ...metadata, ...definition } };
  }

  function compute(record: RecordedSearchRequest, text: string): DoubleReply {
    const context: HandlerContext = {
      violation: (message) => violations.push(message),
      metadata: metadataLevel(record.headers.accept),
      url,
      service,
    };
    let reply: DoubleReply;
    try {
      reply = answer(record, parseJson(text), context);
    } catch (error) {
      if (error instanceof ServiceError) return error.reply;
      if (error instanceof UnsupportedFeature) {
        context.violation(`${record.operation}: unsupported by the double: ${error.message}`);
        return (unsupported(error.message) as ServiceError).reply;
      }
      context.violation(`${record.operation}: the double failed: ${(error as Error).stack ?? String(error)}`);
      return errorReply(500, `The Azure AI Search double failed: ${(error as Error).message}`);
    }
    if (checkResponses && reply.status === 200 && record.operation !== "unknown") {
      for (const path of unexpectedResponseKeys(record.operation, reply.body)) {
        context.violation(`${record.operation}: response key '${path}' is not in the official example`);
      }
    }
    return reply;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const parsedUrl = new URL(req.url ?? "/", "https://127.0.0.1");
    const path = decodeURIComponent(parsedUrl.pathname);
    const method = req.method ?? "GET";
    const { operation, name } = route(method, path);
    const parsed = parseJson(text);
    const record: RecordedSearchRequest = {
      operation,
      method,
      path,
      query: Object.fromEntries(parsedUrl.searchParams),
      headers: req.headers,
      body: parsed.ok ? parsed.value : text,
      ...(operation === "retrieve" ? { knowledgeBase: name ?? "" } : {}),
      ...(operation === "getIndex" || operation === "search" ? { index: name ?? "" } : {}),
    };
    requests.push(record);
    if (operation !== "unknown" && plan.takeHang(operation)) {
      hung.add(res);
      res.on("close", () => hung.delete(res));
      return;
    }
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (res.destroyed) return;
    sendReply(res, compute(record, text), metadataLevel(req.headers.accept));
  }

  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      violations.push(`the double failed: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const releaseHung = () => {
    for (const res of hung) res.destroy();
    hung.clear();
  };
  const double: AzureSearchDouble = {
    url,
    ca: tls.certPem,
    requests,
    violations,
    addIndex(index) {
      const model = new IndexModel(index);
      indexes.set(model.name, model);
    },
    addKnowledgeBase(kb) {
      knowledgeBases.set(kb.name, { ...kb });
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    failNext: (operation, failure) => plan.failNext(operation, failure),
    hangNext: (operation) => plan.hangNext(operation),
    reset() {
      requests.length = 0;
      violations.length = 0;
      plan.clear();
      releaseHung();
      latencyMs = 0;
    },
    async close() {
      releaseHung();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  for (const index of options.indexes ?? []) double.addIndex(index);
  for (const kb of options.knowledgeBases ?? []) double.addKnowledgeBase(kb);
  return double;
}
