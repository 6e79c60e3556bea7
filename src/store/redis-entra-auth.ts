// Microsoft Entra ID authentication for Redis (Azure Managed Redis, Azure Cache for Redis): the
// password is an access token for https://redis.azure.com/.default, the user name the identity's
// object id. A token lives about an hour and the server drops connections whose token expired, so
// every connection (the single node, every cluster node) is re-authenticated with a new token well
// before that, and every new connection starts with the newest one. Tokens are never logged.
import type { AccessToken, TokenCredential } from "@azure/identity";
import { Cluster, type Redis } from "ioredis";
import type { Logger } from "../log.js";
import { forgetSecret, registerSecret } from "../redact.js";
import type { ConnectionAuth, RedisClient } from "./redis-client.js";

export const REDIS_TOKEN_SCOPE = "https://redis.azure.com/.default";
/** A token is renewed once this share of its lifetime has passed. */
export const REFRESH_AT_LIFETIME = 0.8;
/** Never ask again sooner than this, whatever the token says (no busy loop on odd expiries). */
export const MIN_REFRESH_DELAY_MS = 500;
/** A failed token request is retried after this, doubling up to the cap, for as long as it fails. */
export const RETRY_BASE_DELAY_MS = 1_000;
export const RETRY_MAX_DELAY_MS = 30_000;

export interface RedisEntraIdOptions {
  /** Replaces DefaultAzureCredential (tests inject a fake). */
  credential?: TokenCredential;
  /** AZURE_CLIENT_ID: the user-assigned managed identity DefaultAzureCredential uses. */
  managedIdentityClientId?: string;
  /** REDIS_USERNAME: the Redis user name, when it is not the token's `oid` claim. */
  username?: string;
  /** First retry delay after a failed token request (tests shorten it). */
  retryBaseDelayMs?: number;
}

interface Credentials {
  username: string;
  password: string;
  expiresOnTimestamp: number;
}

/** When to ask for the next token: at 80% of this one's remaining lifetime, or sooner if it says so. */
export function refreshDelayMs(token: AccessToken, now: number): number {
  let at = now + (token.expiresOnTimestamp - now) * REFRESH_AT_LIFETIME;
  if (token.refreshAfterTimestamp !== undefined) at = Math.min(at, token.refreshAfterTimestamp);
  return Math.max(MIN_REFRESH_DELAY_MS, at - now);
}

/** The `oid` claim of a JWT access token (the identity's object id), read without verifying it. */
export function objectIdOf(token: string): string | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const oid = (claims as { oid?: unknown } | null)?.oid;
    return typeof oid === "string" && oid !== "" ? oid : undefined;
  } catch {
    return undefined;
  }
}

export class RedisEntraAuth implements ConnectionAuth {
  /** @azure/identity is loaded on first use: only a bot that uses Entra ID for Redis pays for it. */
  private credential: Promise<TokenCredential> | undefined;
  private readonly options: RedisEntraIdOptions;
  private readonly username: string | undefined;
  private readonly retryBaseDelayMs: number;
  private client: RedisClient | undefined;
  private current: Credentials | undefined;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  failure: string | undefined;

  constructor(
    options: RedisEntraIdOptions,
    private readonly logger: Logger,
  ) {
    this.options = options;
    this.username = options.username;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? RETRY_BASE_DELAY_MS;
  }

  private async loadCredential(): Promise<TokenCredential> {
    if (this.options.credential) return this.options.credential;
    const { DefaultAzureCredential } = await import("@azure/identity");
    const clientId = this.options.managedIdentityClientId;
    return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : undefined);
  }

  get hasCredentials(): boolean {
    return this.current !== undefined;
  }

  attach(client: RedisClient): void {
    this.client = client;
    // Nodes found later (slot refresh, MOVED) start with the newest token; they connect lazily.
    if (client instanceof Cluster) client.on("+node", (node: Redis) => this.applyTo(node, false));
    void this.renew();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async renew(): Promise<void> {
    let next: Credentials;
    try {
      this.credential ??= this.loadCredential().catch((err: unknown) => {
        this.credential = undefined; // not kept: the next attempt loads it again
        throw err;
      });
      const token = await (await this.credential).getToken(REDIS_TOKEN_SCOPE);
      if (!token?.token) throw new Error("the credential returned no token");
      registerSecret(token.token);
      const username = this.username ?? objectIdOf(token.token);
      if (!username)
        throw new Error("the token has no oid claim; set REDIS_USERNAME to the identity's object id");
      next = { username, password: token.token, expiresOnTimestamp: token.expiresOnTimestamp };
      this.schedule(refreshDelayMs(token, Date.now()));
    } catch (err) {
      this.onFailure(err);
      return;
    }
    if (this.stopped) return;
    const previous = this.current;
    this.current = next;
    this.failures = 0;
    this.failure = undefined;
    if (previous?.password === next.password) return; // a cached token: the connections have it
    if (previous) this.forgetWhenExpired(previous);
    this.applyToAll(previous === undefined);
  }

  private onFailure(err: unknown): void {
    if (this.stopped) return;
    this.failures += 1;
    this.failure = err instanceof Error ? err.message : String(err);
    const delay = Math.min(this.retryBaseDelayMs * 2 ** (this.failures - 1), RETRY_MAX_DELAY_MS);
    const validForMs = this.current ? Math.max(0, this.current.expiresOnTimestamp - Date.now()) : 0;
    this.logger.warn(
      { err: { message: this.failure }, retryInMs: delay, currentTokenValidForMs: validForMs },
      "could not get a Microsoft Entra ID token for Redis; retrying",
    );
    this.schedule(delay);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), delayMs);
    this.timer.unref();
  }

  private applyToAll(first: boolean): void {
    const client = this.client;
    if (!client || !this.current) return;
    const connections = client instanceof Cluster ? client.nodes("all") : [client];
    for (const connection of connections) this.applyTo(connection, !first);
    if (first) {
      this.logger.info(
        { redis: { user: this.current.username } },
        "redis: authenticating with Microsoft Entra ID",
      );
      // Created with lazyConnect: connect now that there is a token. Failures are logged by the client.
      client.connect().catch(() => {});
    } else {
      this.logger.debug({ redis: { user: this.current.username } }, "redis: renewed the Entra ID token");
    }
  }

  /** The next (re)connect uses the new token; a live connection is re-authenticated now. */
  private applyTo(connection: Redis, reauthenticate: boolean): void {
    const credentials = this.current;
    if (!credentials) return;
    connection.options.username = credentials.username;
    connection.options.password = credentials.password;
    if (!reauthenticate || connection.status !== "ready") return;
    connection.auth(credentials.username, credentials.password).catch((err: Error) => {
      // The connection keeps its earlier authentication until that token expires.
      this.logger.warn(
        {
          redis: { node: `${connection.options.host}:${connection.options.port}` },
          err: { message: err.message },
        },
        "could not re-authenticate a Redis connection with the new Entra ID token",
      );
    });
  }

  private forgetWhenExpired(old: Credentials): void {
    const timer = setTimeout(
      () => forgetSecret(old.password),
      Math.max(0, old.expiresOnTimestamp - Date.now()),
    );
    timer.unref();
  }
}
