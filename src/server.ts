// The one HTTP server: adapter routes, health, readiness, metrics, and graceful shutdown.
import {
  createServer,
  type IncomingMessage as HttpRequest,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";

export type RouteHandler = (req: HttpRequest, res: ServerResponse) => void | Promise<void>;

/** A readiness check: resolves to null when fine, or a short reason when not. */
export type ReadinessCheck = () => Promise<string | null>;

export interface HttpServerOptions {
  port: number;
  host?: string;
  logger: Logger;
  metrics: Metrics;
  readiness: Record<string, ReadinessCheck>;
}

/** Readiness checks that take longer than this count as failed (a hung Redis must not hang probes). */
const READINESS_TIMEOUT_MS = 2_000;

export class HttpServer {
  private readonly routes = new Map<string, RouteHandler>();
  private readonly server: Server;
  private readonly options: HttpServerOptions;
  private draining = false;

  constructor(options: HttpServerOptions) {
    this.options = options;
    this.server = createServer((req, res) => void this.dispatch(req, res));
    this.route("GET", "/healthz", (_req, res) => send(res, 200, "text/plain", "ok\n"));
    this.route("GET", "/readyz", (_req, res) => this.readyz(res));
    this.route("GET", "/metrics", async (_req, res) => {
      send(res, 200, options.metrics.registry.contentType, await options.metrics.registry.metrics());
    });
  }

  route(method: string, path: string, handler: RouteHandler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port, this.options.host ?? "0.0.0.0", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops accepting connections; /readyz answers 503 from now on so load balancers move away. */
  async close(): Promise<void> {
    this.draining = true;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  /** Marks the server as draining without closing it (readiness fails, requests still answered). */
  startDraining(): void {
    this.draining = true;
  }

  private async dispatch(req: HttpRequest, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const handler = this.routes.get(`${req.method} ${path}`);
    if (!handler) {
      const known = [...this.routes.keys()].some((k) => k.endsWith(` ${path}`));
      send(res, known ? 405 : 404, "text/plain", known ? "method not allowed\n" : "not found\n");
      return;
    }
    try {
      await handler(req, res);
    } catch (err) {
      this.options.logger.error({ err, path }, "route handler failed");
      if (!res.headersSent) send(res, 500, "text/plain", "internal error\n");
      else res.end();
    }
  }

  private async readyz(res: ServerResponse): Promise<void> {
    const checks: Record<string, string> = {};
    if (this.draining) checks.server = "shutting down";
    await Promise.all(
      Object.entries(this.options.readiness).map(async ([name, check]) => {
        const problem = await withTimeout(check(), READINESS_TIMEOUT_MS).catch((err: unknown) =>
          err instanceof Error ? err.message : String(err),
        );
        if (problem) checks[name] = problem;
      }),
    );
    const ready = Object.keys(checks).length === 0;
    send(res, ready ? 200 : 503, "application/json", `${JSON.stringify({ ready, problems: checks })}\n`);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
