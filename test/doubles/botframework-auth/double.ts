// A test double of the Bot Framework identity services, so a real CloudAdapter can run with a real
// app id and real JWT validation, offline:
//
// - inbound (channel -> bot): the Bot Framework OpenID metadata document and its JWKS, whose key
//   carries `endorsements`; `issueChannelToken` signs the JWT the Bot Connector would send.
// - outbound (bot -> channel): an Entra ID (login.microsoftonline.com) lookalike for MSAL's
//   client-credentials grant (instance discovery, tenant metadata, token endpoint), and an App
//   Service managed identity endpoint (IDENTITY_ENDPOINT) for UserAssignedMSI. Every access token
//   it grants is recorded in `issued` and can be checked with `verifyAccessToken`.
//
// It listens twice on 127.0.0.1, with the same routes: HTTPS (`url`; MSAL accepts nothing else)
// and plain HTTP (`httpUrl`; the managed identity endpoint is plain HTTP on App Service too).
// Starting one installs process-wide hooks (see process-hooks.ts) until the last one closes.
import { randomBytes, randomUUID } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import {
  APP_SERVICE_MSI_API_VERSION,
  APP_SERVICE_SECRET_HEADER,
  BOT_FRAMEWORK_ISSUER,
  BOT_FRAMEWORK_SCOPE,
  BOT_FRAMEWORK_TENANT,
  BOT_FRAMEWORK_TENANT_ID,
  type BotAppType,
  CHANNEL_KEYS_PATH,
  CHANNEL_METADATA_PATH,
  DEFAULT_ENDORSEMENTS,
  INSTANCE_DISCOVERY_PATH,
  MSI_TOKEN_PATH,
} from "./constants.js";
import { createSigningKey, decodeJwt, type Jwk, type JwtClaims, signJwt, verifyJwtSignature } from "./jwt.js";
import { acquireProcessHooks, doubleTlsIdentity } from "./process-hooks.js";

const LOOPBACK = "127.0.0.1";
// Entra ID answers expires_in 3599 for app-only tokens; botbuilder refreshes 5 minutes early.
const DEFAULT_ACCESS_TOKEN_LIFETIME_S = 3599;
// Bot Connector tokens are valid for an hour.
const DEFAULT_CHANNEL_TOKEN_LIFETIME_S = 60 * 60;
const CLIENT_SECRET_BYTES = 24;
const SCOPE_SUFFIX = "/.default";
const ENTRA_V1_ISSUER_PREFIX = "https://sts.windows.net/";
// Entra ID's per-tenant routes under /{tenant}/ (a tenant id or a verified domain).
const TENANT_METADATA = "v2.0/.well-known/openid-configuration";
const TENANT_TOKEN = "oauth2/v2.0/token";
const TENANT_KEYS = "discovery/v2.0/keys";
const TENANT_ROUTE =
  /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/;

export interface BotFrameworkAuthDoubleOptions {
  /** The bot's Microsoft App ID (the `aud` of channel tokens, the client id of outbound grants). */
  appId: string;
  /** Home tenant of the app registration; a random GUID when unset. */
  tenantId?: string;
  /** Decides which grants the double allows (see the token and MSI routes). Default MultiTenant. */
  appType?: BotAppType;
  /** The client secret; random when unset. UserAssignedMSI bots have none. */
  password?: string;
  /** Endorsements on the published channel signing key. */
  endorsements?: readonly string[];
  /** `expires_in` of granted access tokens. */
  accessTokenLifetimeS?: number;
}

export interface ChannelTokenOptions {
  /** The activity's serviceUrl; botbuilder requires the `serviceurl` claim to equal it exactly. */
  serviceUrl: string;
  /** Default: the double's app id. */
  audience?: string;
  /** Default: https://api.botframework.com. */
  issuer?: string;
  /** `exp` relative to now. botbuilder allows 5 minutes of clock skew, so "expired" means < -300. */
  expiresInS?: number;
  /** `nbf` in epoch seconds; default now. */
  notBefore?: number;
  /** "unpublished": a key the JWKS does not hold (same `kid` unless `kid` is given). */
  signWith?: "published" | "unpublished";
  /** Overrides the header `kid`. */
  kid?: string;
  /** Extra or overriding claims. */
  claims?: JwtClaims;
}

export type AuthRoute =
  | "channel-metadata"
  | "channel-keys"
  | "instance-discovery"
  | "tenant-metadata"
  | "tenant-keys"
  | "token"
  | "msi-token"
  | "unknown";

export interface RecordedAuthRequest {
  listener: "http" | "https";
  method: string;
  /** The Host header: login.microsoftonline.com for redirected instance discovery. */
  host: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The url-encoded form body, when there was one. */
  form: Record<string, string> | undefined;
  route: AuthRoute;
  status: number;
}

export interface IssuedAccessToken {
  grant: "client_credentials" | "managed_identity";
  accessToken: string;
  appId: string;
  tenantId: string;
  /** The resource (scope without /.default): https://api.botframework.com for Connector calls. */
  audience: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export type AccessTokenCheck = { valid: true; claims: JwtClaims } | { valid: false; reason: string };

export interface BotFrameworkAuthDouble {
  readonly appId: string;
  readonly tenantId: string;
  readonly appType: BotAppType;
  /** The client secret (empty for UserAssignedMSI). */
  readonly password: string;
  /** The App Service IDENTITY_HEADER secret the MSI endpoint expects. */
  readonly identityHeader: string;
  /** HTTPS origin, e.g. https://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  /** Plain HTTP origin with the same routes. */
  readonly httpUrl: string;
  /** Bot Framework OpenID metadata URL (ToBotFromChannelOpenIdMetadataUrl). */
  readonly openIdMetadataUrl: string;
  /** App Service managed identity endpoint (IDENTITY_ENDPOINT). */
  readonly msiEndpoint: string;
  /** The published channel signing key, as served in the JWKS. */
  readonly channelKey: Jwk;
  /** A JWT as the Bot Connector sends it in `Authorization: Bearer ...`. */
  issueChannelToken(options: ChannelTokenOptions): string;
  /** Checks an outbound access token as the Bot Connector would (signature, dates, app id, audience). */
  verifyAccessToken(token: string, audience?: string): AccessTokenCheck;
  /** Access tokens granted so far, oldest first. */
  readonly issued: readonly IssuedAccessToken[];
  readonly requests: readonly RecordedAuthRequest[];
  reset(): void;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
}

export async function startBotFrameworkAuthDouble(
  options: BotFrameworkAuthDoubleOptions,
): Promise<BotFrameworkAuthDouble> {
  const appId = options.appId;
  const tenantId = options.tenantId ?? randomUUID();
  const appType = options.appType ?? "MultiTenant";
  const password =
    appType === "UserAssignedMSI"
      ? ""
      : (options.password ?? randomBytes(CLIENT_SECRET_BYTES).toString("base64url"));
  const identityHeader = randomUUID();
  const endorsements = [...(options.endorsements ?? DEFAULT_ENDORSEMENTS)];
  const accessTokenLifetimeS = options.accessTokenLifetimeS ?? DEFAULT_ACCESS_TOKEN_LIFETIME_S;
  // Distinguishes this double's metadata URL from an earlier double's on a reused port:
  // botbuilder caches signing keys per metadata URL for the whole process.
  const instance = randomUUID();

  const [channelKey, unpublishedKey, entraKey, tlsIdentity] = await Promise.all([
    createSigningKey("Bot Framework channel signing key (double)"),
    createSigningKey("Unpublished signing key (double)"),
    createSigningKey("Entra ID token signing key (double)"),
    doubleTlsIdentity(),
  ]);
  const publishedChannelKey: Jwk = { ...channelKey.jwk, endorsements };

  const issued: IssuedAccessToken[] = [];
  const requests: RecordedAuthRequest[] = [];
  const nowS = () => Math.floor(Date.now() / 1000);

  function resolveTenant(segment: string): string | undefined {
    const lower = segment.toLowerCase();
    if (lower === BOT_FRAMEWORK_TENANT || lower === BOT_FRAMEWORK_TENANT_ID) return BOT_FRAMEWORK_TENANT_ID;
    if (lower === tenantId.toLowerCase()) return tenantId;
    return undefined;
  }

  function grantAccessToken(
    grant: IssuedAccessToken["grant"],
    tid: string,
    audience: string,
  ): IssuedAccessToken {
    const now = nowS();
    const expiresAt = now + accessTokenLifetimeS;
    const issuer = `${ENTRA_V1_ISSUER_PREFIX}${tid}/`;
    const servicePrincipalId = randomUUID();
    // An app-only v1 access token as Entra ID issues it for https://api.botframework.com.
    const claims: JwtClaims = {
      aud: audience,
      iss: issuer,
      iat: now,
      nbf: now,
      exp: expiresAt,
      appid: appId,
      appidacr: grant === "managed_identity" ? "2" : "1",
      idp: issuer,
      idtyp: "app",
      oid: servicePrincipalId,
      sub: servicePrincipalId,
      tid,
      uti: randomBytes(16).toString("base64url"),
      ver: "1.0",
    };
    const token: IssuedAccessToken = {
      grant,
      accessToken: signJwt(claims, entraKey),
      appId,
      tenantId: tid,
      audience,
      expiresAt,
    };
    issued.push(token);
    return token;
  }

  function entraError(status: number, error: string, code: number, description: string): Reply {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date()
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, "Z");
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
      },
    };
  }

  function tenantMetadata(origin: string, tid: string): unknown {
    const base = `${origin}/${tid}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      tenant_region_scope: "NA",
      cloud_instance_name: "microsoftonline.com",
    };
  }

  function instanceDiscovery(query: Record<string, string>): Reply {
    // MSAL asks about `${authority}oauth2/v2.0/authorize`; answer as Entra ID does for a custom
    // host it accepts: the host is its own preferred network and cache alias.
    const endpoint = query.authorization_endpoint;
    let authorize: URL;
    try {
      authorize = new URL(endpoint ?? "");
    } catch {
      return entraError(400, "invalid_instance", 50049, "Unknown or invalid instance.");
    }
    const authority = `${authorize.origin}${authorize.pathname.replace(/\/oauth2\/v2\.0\/authorize$/, "")}`;
    return {
      status: 200,
      body: {
        tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
        "api-version": "1.1",
        metadata: [
          { preferred_network: authorize.host, preferred_cache: authorize.host, aliases: [authorize.host] },
        ],
      },
    };
  }

  function clientCredentialsGrant(tenantSegment: string, form: Record<string, string> | undefined): Reply {
    if (!form)
      return entraError(
        400,
        "invalid_request",
        900144,
        "The request body must contain the 'grant_type' parameter.",
      );
    if (form.grant_type !== "client_credentials") {
      return entraError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
    }
    const tid = resolveTenant(tenantSegment);
    if (!tid) return entraError(400, "invalid_tenant", 90002, `Tenant '${tenantSegment}' not found.`);
    // A SingleTenant (or managed identity) app only exists in its home tenant; a MultiTenant bot
    // also has a service principal in botframework.com.
    const knownInTenant = tid === tenantId || appType === "MultiTenant";
    if (form.client_id !== appId || !knownInTenant) {
      return entraError(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${form.client_id ?? ""}' was not found in the directory '${tenantSegment}'.`,
      );
    }
    if (!password || form.client_secret !== password) {
      return entraError(401, "invalid_client", 7000215, "Invalid client secret provided.");
    }
    const scope = form.scope ?? "";
    if (scope.split(" ").length !== 1 || !scope.endsWith(SCOPE_SUFFIX)) {
      return entraError(400, "invalid_scope", 1002012, `The provided value for scope ${scope} is not valid.`);
    }
    const token = grantAccessToken("client_credentials", tid, scope.slice(0, -SCOPE_SUFFIX.length));
    return {
      status: 200,
      body: {
        token_type: "Bearer",
        expires_in: accessTokenLifetimeS,
        ext_expires_in: accessTokenLifetimeS,
        access_token: token.accessToken,
      },
    };
  }

  function managedIdentityGrant(headers: IncomingHttpHeaders, query: Record<string, string>): Reply {
    const failure = (status: number, message: string): Reply => ({
      status,
      body: { statusCode: status, message, correlationId: randomUUID() },
    });
    if (headers[APP_SERVICE_SECRET_HEADER] !== identityHeader)
      return failure(401, "Missing or wrong X-IDENTITY-HEADER.");
    if (query["api-version"] !== APP_SERVICE_MSI_API_VERSION) return failure(400, "Unsupported api-version.");
    const resource = query.resource;
    if (!resource) return failure(400, "Missing resource.");
    if (appType !== "UserAssignedMSI" || query.client_id !== appId) {
      return failure(
        400,
        "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.",
      );
    }
    const token = grantAccessToken("managed_identity", tenantId, resource.replace(/\/\.default$/, ""));
    return {
      status: 200,
      body: {
        access_token: token.accessToken,
        // App Service answers epoch seconds as a string.
        expires_on: String(token.expiresAt),
        resource,
        token_type: "Bearer",
        client_id: appId,
      },
    };
  }

  function route(
    method: string,
    origin: string,
    path: string,
    query: Record<string, string>,
    headers: IncomingHttpHeaders,
    form: Record<string, string> | undefined,
  ): [AuthRoute, Reply] {
    if (method === "GET" && path === CHANNEL_METADATA_PATH) {
      return [
        "channel-metadata",
        {
          status: 200,
          body: {
            issuer: BOT_FRAMEWORK_ISSUER,
            authorization_endpoint: "https://invalid.botframework.com",
            jwks_uri: `${origin}${CHANNEL_KEYS_PATH}`,
            id_token_signing_alg_values_supported: ["RS256"],
            token_endpoint_auth_methods_supported: ["private_key_jwt"],
          },
        },
      ];
    }
    if (method === "GET" && path === CHANNEL_KEYS_PATH) {
      return ["channel-keys", { status: 200, body: { keys: [publishedChannelKey] } }];
    }
    if (method === "GET" && path === INSTANCE_DISCOVERY_PATH)
      return ["instance-discovery", instanceDiscovery(query)];
    if (method === "GET" && path === MSI_TOKEN_PATH)
      return ["msi-token", managedIdentityGrant(headers, query)];
    const tenantRoute = TENANT_ROUTE.exec(path);
    if (tenantRoute) {
      const [, segment = "", rest] = tenantRoute;
      if (rest === TENANT_TOKEN && method === "POST") return ["token", clientCredentialsGrant(segment, form)];
      const tid = resolveTenant(segment);
      if (method === "GET" && !tid) {
        return ["unknown", entraError(400, "invalid_tenant", 90002, `Tenant '${segment}' not found.`)];
      }
      if (method === "GET" && tid && rest === TENANT_KEYS) {
        const keys = [{ ...entraKey.jwk, issuer: `${origin}/${tid}/v2.0` }];
        return ["tenant-keys", { status: 200, body: { keys } }];
      }
      if (method === "GET" && tid && rest === TENANT_METADATA) {
        return ["tenant-metadata", { status: 200, body: tenantMetadata(origin, tid) }];
      }
    }
    return ["unknown", { status: 404, body: { error: "not_found", path } }];
  }

  function handler(listener: RecordedAuthRequest["listener"]) {
    return (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const host = req.headers.host ?? LOOPBACK;
        const url = new URL(req.url ?? "/", `${listener}://${host}`);
        const query = Object.fromEntries(url.searchParams);
        const raw = Buffer.concat(chunks).toString("utf8");
        const isForm = (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
        const form = raw && isForm ? Object.fromEntries(new URLSearchParams(raw)) : undefined;
        const method = req.method ?? "GET";
        const [routeName, reply] = route(method, url.origin, url.pathname, query, req.headers, form);
        requests.push({
          listener,
          method,
          host,
          path: url.pathname,
          query,
          headers: req.headers,
          form,
          route: routeName,
          status: reply.status,
        });
        res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(reply.body));
      });
    };
  }

  const httpServer = createHttpServer(handler("http"));
  const httpsServer = createHttpsServer(
    { key: tlsIdentity.keyPem, cert: tlsIdentity.certPem },
    handler("https"),
  );
  const listen = (server: Server) =>
    new Promise<number>((resolveListen) =>
      server.listen(0, LOOPBACK, () => resolveListen((server.address() as AddressInfo).port)),
    );
  const [httpPort, httpsPort] = await Promise.all([listen(httpServer), listen(httpsServer)]);
  const releaseHooks = acquireProcessHooks(httpsPort, tlsIdentity.certPem);
  const url = `https://${LOOPBACK}:${httpsPort}`;
  const httpUrl = `http://${LOOPBACK}:${httpPort}`;

  return {
    appId,
    tenantId,
    appType,
    password,
    identityHeader,
    url,
    httpUrl,
    openIdMetadataUrl: `${url}${CHANNEL_METADATA_PATH}?double=${instance}`,
    msiEndpoint: `${httpUrl}${MSI_TOKEN_PATH}`,
    channelKey: publishedChannelKey,
    issued,
    requests,
    issueChannelToken(token: ChannelTokenOptions): string {
      const now = nowS();
      const claims: JwtClaims = {
        serviceurl: token.serviceUrl,
        nbf: token.notBefore ?? now,
        exp: now + (token.expiresInS ?? DEFAULT_CHANNEL_TOKEN_LIFETIME_S),
        iss: token.issuer ?? BOT_FRAMEWORK_ISSUER,
        aud: token.audience ?? appId,
        ...token.claims,
      };
      const key = token.signWith === "unpublished" ? unpublishedKey : channelKey;
      // The unpublished key claims the published kid unless told otherwise: a forged signature.
      return signJwt(claims, key, { kid: token.kid ?? channelKey.kid, x5t: token.kid ?? channelKey.kid });
    },
    verifyAccessToken(token: string, audience = BOT_FRAMEWORK_SCOPE): AccessTokenCheck {
      const decoded = decodeJwt(token);
      if (!decoded) return { valid: false, reason: "not a JWT" };
      if (decoded.header.kid !== entraKey.kid || !verifyJwtSignature(token, entraKey.jwk)) {
        return { valid: false, reason: "signature" };
      }
      const { claims } = decoded;
      const now = nowS();
      if (typeof claims.exp !== "number" || claims.exp <= now) return { valid: false, reason: "expired" };
      if (typeof claims.nbf === "number" && claims.nbf > now)
        return { valid: false, reason: "not yet valid" };
      if (claims.aud !== audience) return { valid: false, reason: `audience ${String(claims.aud)}` };
      if (claims.appid !== appId) return { valid: false, reason: `app id ${String(claims.appid)}` };
      return { valid: true, claims };
    },
    reset() {
      issued.length = 0;
      requests.length = 0;
    },
    async close() {
      releaseHooks();
      await Promise.all(
        [httpServer, httpsServer].map(
          (server) =>
            new Promise<void>((resolveClose) => {
              server.closeAllConnections();
              server.close(() => resolveClose());
            }),
        ),
      );
    },
  };
}
