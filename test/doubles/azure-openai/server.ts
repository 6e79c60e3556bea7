// The HTTP server of the Azure OpenAI double: routing, auth, recording, spec checks, answering.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { specValidator } from "../spec-validator.js";
import { Answer } from "./answer.js";
import { COMPLETIONS_SCHEMAS, playCompletion } from "./completions.js";
import {
  EMBEDDINGS_SCHEMAS,
  type EmbeddingsScenario,
  type EmbeddingsScenarioSource,
  embeddingsAnswer,
} from "./embeddings.js";
import { type ErrorScenario, isOnYourDataOnly, playError } from "./errors.js";
import {
  checkDataSourcesAgainstSpec,
  onYourDataAnswer,
  onYourDataRefusals,
  oydError,
} from "./on-your-data.js";
import {
  type AzureOpenAIDouble,
  type AzureOpenAIDoubleOptions,
  DEFAULT_API_KEY,
  DEFAULT_BEARER_TOKEN,
  DEFAULT_PIECES,
  type Operation,
  type RecordedRequest,
  type RouteKind,
  type ScenarioSource,
  type SpecViolation,
} from "./scenarios.js";
import { isRecord, parseJson, readBody, resolve } from "./util.js";
import { Wire } from "./wire.js";
import { MESSAGES, ROUTES, SCHEMAS, SPEC } from "./wire-facts.js";

export async function startAzureOpenAIDouble(
  options: AzureOpenAIDoubleOptions = {},
): Promise<AzureOpenAIDouble> {
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const bearerToken = options.bearerToken ?? DEFAULT_BEARER_TOKEN;
  const validator = options.validate === false ? undefined : specValidator();
  const queue: ScenarioSource[] = [];
  const embeddingsQueue: EmbeddingsScenarioSource[] = [];
  let fallback: ScenarioSource = options.fallback ?? { kind: "stream", pieces: DEFAULT_PIECES };
  let fallbackIsDefault = options.fallback === undefined;
  const requests: RecordedRequest[] = [];
  const specViolations: SpecViolation[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double.invalid");
    const raw = await readBody(req);
    const body = parseJson(raw);
    const matched = matchRoute(req.method ?? "", url.pathname);
    const route = matched?.kind;
    const operation: Operation =
      matched?.operation ?? (/\/embeddings$/.test(url.pathname) ? "embeddings" : "chat");
    const model =
      matched?.deployment ?? (isRecord(body) && typeof body.model === "string" ? body.model : undefined);
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      route,
      operation,
      model,
    };
    if (options.record !== false) requests.push(recorded);

    const wire = new Wire(res, route, validator, specViolations);
    if (!route) return wire.raw(404, { error: { code: "404", message: "Resource not found" } });
    if (
      (route === "azure-deployment" || route === "azure-inference") &&
      !url.searchParams.get("api-version")
    ) {
      return wire.error(404, { error: { code: "404", message: "Resource not found" } });
    }
    if (!authorized(req.headers, route, apiKey, bearerToken))
      return playError(wire, route, { kind: "unauthorized" });
    if (operation === "embeddings") return answerEmbeddings(wire, route, body, recorded);
    if (operation === "completions") return answerCompletions(wire, body, recorded);
    if (validator && !wire.check("request", SCHEMAS[SPEC[route]].request, body)) {
      return wire.raw(500, {
        error: { code: "double_spec_violation", message: "request body violates the spec" },
      });
    }
    if (route === "azure-inference" && !model) {
      return wire.error(400, { error: { code: "no_model_name", message: MESSAGES.noModel } });
    }
    const dataSources = isRecord(body) && Array.isArray(body.data_sources) ? body.data_sources : undefined;
    if (dataSources) {
      if (route === "azure-inference" || route === "openai-compatible") {
        // Not Azure OpenAI: no On Your Data. Not service traffic of the specs' kind, so sent raw.
        return wire.raw(400, {
          error: {
            message: "Unrecognized request argument supplied: data_sources",
            type: "invalid_request_error",
            param: null,
            code: null,
          },
        });
      }
      wire.onYourData = true;
      if (validator && !checkDataSourcesAgainstSpec(wire, dataSources)) {
        return wire.raw(500, {
          error: { code: "double_spec_violation", message: "a data source violates the spec" },
        });
      }
      const refusals = onYourDataRefusals(body as Record<string, unknown>, dataSources);
      if (refusals.length > 0) return wire.error(400, oydError(refusals.join("\n")));
    }
    const usedDefault = queue.length === 0 && fallbackIsDefault;
    const scenario =
      model !== undefined && options.deployments && !options.deployments.includes(model)
        ? ({ kind: "not-found" } as const)
        : resolve(queue.shift() ?? fallback, recorded);
    const streaming = isRecord(body) && body.stream === true;
    const includeUsage =
      streaming &&
      isRecord(body) &&
      isRecord(body.stream_options) &&
      body.stream_options.include_usage === true;
    const answer = new Answer(route, model ?? "unknown", body, includeUsage);
    const delayMs = options.chunkDelayMs ?? 0;

    if (dataSources) {
      const oyd = onYourDataAnswer(scenario, usedDefault, body);
      if (oyd === "not-mine") {
        // rate limits, a filtered completion, ...: as without data sources (below)
      } else if (oyd.kind === "error") {
        return wire.error(400, oyd.body);
      } else if (oyd.kind === "partial") {
        return wire.stream(answer.oydChunks(oyd.script).slice(0, -1), delayMs, oyd.ending);
      } else {
        if (!streaming) return wire.completion(answer.oydCompletion(oyd.script));
        return wire.stream(
          answer.oydChunks(oyd.script),
          oyd.script.delayMs ?? delayMs,
          "done",
          oyd.script.firstDelayMs,
        );
      }
    } else if (isOnYourDataOnly(scenario)) {
      return wire.raw(500, {
        error: {
          code: "double_script_error",
          message: `scenario ${scenario.kind} needs a request with data_sources`,
        },
      });
    }

    switch (scenario.kind) {
      case "stream":
        if (!streaming) return wire.completion(answer.completion(scenario));
        return wire.stream(
          answer.chunks(scenario.pieces, scenario),
          scenario.delayMs ?? delayMs,
          "done",
          scenario.firstDelayMs,
        );
      case "completion-filtered":
        return wire.stream(answer.chunks(scenario.pieces, { filtered: scenario.category }), delayMs);
      case "cut":
        return wire.stream(answer.chunks(scenario.pieces, { textOnly: true }), delayMs, "cut");
      case "hang":
        if (!scenario.pieces) return wire.hang();
        return wire.stream(answer.chunks(scenario.pieces, { textOnly: true }), delayMs, "hang");
      case "not-in-data":
      case "search-auth-failed":
      case "search-index-not-found":
        return wire.raw(500, { error: { code: "double_script_error", message: "unreachable" } });
      default:
        return playError(wire, route, scenario, model);
    }
  }

  /** The legacy Completions route (instruct deployments): the same scenarios as chat, its own shapes. */
  function answerCompletions(wire: Wire, body: unknown, recorded: RecordedRequest): void {
    if (validator && !wire.check("request", COMPLETIONS_SCHEMAS.request, body)) {
      wire.raw(500, { error: { code: "double_spec_violation", message: "request body violates the spec" } });
      return;
    }
    const model = recorded.model ?? "unknown";
    const scenario =
      options.deployments && !options.deployments.includes(model)
        ? ({ kind: "not-found" } as const)
        : resolve(queue.shift() ?? fallback, recorded);
    if (playCompletion(wire, model, body, scenario, options.chunkDelayMs ?? 0)) return;
    if (
      isOnYourDataOnly(scenario) ||
      ["stream", "completion-filtered", "cut", "hang"].includes(scenario.kind)
    ) {
      wire.raw(500, {
        error: { code: "double_script_error", message: `scenario ${scenario.kind} on completions` },
      });
      return;
    }
    playError(wire, "azure-deployment", scenario as ErrorScenario, model, "completions");
  }

  /** After the route, api-version and auth checks, which are the same as for chat. */
  function answerEmbeddings(wire: Wire, route: RouteKind, body: unknown, recorded: RecordedRequest): void {
    const schemas = EMBEDDINGS_SCHEMAS[route];
    if (validator && !wire.check("request", schemas.request, body)) {
      wire.raw(500, { error: { code: "double_spec_violation", message: "request body violates the spec" } });
      return;
    }
    const model = recorded.model;
    if (route === "azure-inference" && !model) {
      wire.error(400, { error: { code: "no_model_name", message: MESSAGES.noModel } });
      return;
    }
    const unknownModel = model !== undefined && options.deployments && !options.deployments.includes(model);
    const next = unknownModel ? { kind: "not-found" as const } : embeddingsQueue.shift();
    const scenario: EmbeddingsScenario =
      typeof next === "function" ? next(recorded) : (next ?? { kind: "embeddings" });
    if (scenario.kind !== "embeddings") {
      playError(wire, route, scenario, model, "embeddings");
      return;
    }
    const answer = embeddingsAnswer(route, model ?? "unknown", body);
    if (typeof answer === "string") {
      wire.raw(500, { error: { code: "double_unsupported", message: answer } });
      return;
    }
    wire.json(200, answer, schemas.response);
  }

  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    specViolations,
    script: (...scenarios) => {
      queue.push(...scenarios);
    },
    scriptEmbeddings: (...scenarios) => {
      embeddingsQueue.push(...scenarios);
    },
    setFallback: (source) => {
      fallback = source;
      fallbackIsDefault = false;
    },
    reset: () => {
      queue.length = 0;
      embeddingsQueue.length = 0;
      requests.length = 0;
      specViolations.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}

// Routing, auth, errors

export function matchRoute(
  method: string,
  path: string,
): { kind: RouteKind; operation: Operation; deployment?: string } | undefined {
  if (method !== "POST") return undefined;
  for (const { kind, operation, pattern } of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    return match[1] === undefined
      ? { kind, operation }
      : { kind, operation, deployment: decodeURIComponent(match[1]) };
  }
  return undefined;
}

export function authorized(
  headers: IncomingHttpHeaders,
  route: RouteKind,
  apiKey: string,
  bearerToken: string,
): boolean {
  if (route === "openai-compatible") return true; // like Ollama/vLLM without --api-key: anything goes
  if (headers["api-key"] === apiKey) return true;
  const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
  return bearer === apiKey || bearer === bearerToken;
}
