// Do the bot's Bot Framework credentials work? At start the Teams adapter asks Microsoft Entra ID
// for the very token botbuilder sends to the Bot Connector with every reply: same credential
// factory, login endpoint, scope and token cache (the check goes through the
// BotFrameworkAuthentication the CloudAdapter uses). A definite "no" from Entra ID becomes a
// StartupRefusedError naming the variable to fix; anything else (no answer, 5xx, an answer we do
// not recognise) is an ordinary error, which Dependencies.connect retries with backoff.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  AppCredentials,
  AuthenticationConstants,
  type BotFrameworkAuthentication,
  ClaimsIdentity,
} from "botframework-connector";
import type { TeamsConfig } from "../../src/config.js";
import { StartupRefusedError } from "../../src/dependencies.js";

/** One attempt gives up after this; the next one follows after the backoff. */
export const TOKEN_CHECK_TIMEOUT_MS = 15_000;
const METADATA_PROBE_TIMEOUT_MS = 10_000;
/** Only the connector client's base URI; the check sends nothing there. */
const UNUSED_SERVICE_URL = "https://smba.trafficmanager.net/teams/";
const MAX_DESCRIPTION_CHARS = 300;
const REDACTED = "[REDACTED]";

interface Refusal {
  variable: "MicrosoftAppPassword" | "MicrosoftAppId" | "MicrosoftAppTenantId";
  fix: (appType: TeamsConfig["appType"]) => string;
}

const TENANT_FIX = () =>
  "set the Directory (tenant) ID of the tenant the bot's app registration is in (Microsoft Entra ID > Overview)";

/**
 * Entra ID error codes that no retry can mend: the operator must change a variable. Meanings as
 * documented in Microsoft Entra's error code reference
 * (https://learn.microsoft.com/entra/identity-platform/reference-error-codes) and the Azure SDK's
 * service principal troubleshooting guide.
 */
const REFUSALS: ReadonlyMap<string, Refusal> = new Map<string, Refusal>([
  // Invalid client secret provided.
  [
    "7000215",
    {
      variable: "MicrosoftAppPassword",
      fix: () =>
        "set the client secret's Value (not its Secret ID) from the app registration's Certificates & secrets page, or create a new secret there",
    },
  ],
  // An expired client secret was provided.
  [
    "7000222",
    {
      variable: "MicrosoftAppPassword",
      fix: () =>
        "create a new client secret on the app registration's Certificates & secrets page and set it",
    },
  ],
  // Application with identifier '…' was not found in the directory '…'.
  [
    "700016",
    {
      variable: "MicrosoftAppId",
      fix: (appType) =>
        appType === "MultiTenant"
          ? "set the Application (client) ID of the Azure Bot's app registration; an app registration for one tenant only needs MicrosoftAppType=SingleTenant and MicrosoftAppTenantId"
          : "set the Application (client) ID of the Azure Bot's app registration, and check that MicrosoftAppTenantId is the tenant it is registered in",
    },
  ],
  // Tenant '…' not found.
  ["90002", { variable: "MicrosoftAppTenantId", fix: TENANT_FIX }],
  // Specified tenant identifier '…' is neither a valid DNS name, nor a valid external domain.
  ["900023", { variable: "MicrosoftAppTenantId", fix: TENANT_FIX }],
]);

export interface BotTokenCheck {
  /** The BotFrameworkAuthentication the CloudAdapter was built with. */
  auth: BotFrameworkAuthentication;
  appId: string;
  appType: TeamsConfig["appType"];
  /** MicrosoftAppPassword: kept out of every message. */
  secret?: string;
  timeoutMs?: number;
}

/**
 * Gets a fresh outbound Bot Framework token (and leaves it in botbuilder's token cache for the
 * first reply). Throws StartupRefusedError when Entra ID refuses the configuration for good.
 */
export async function checkBotFrameworkToken(check: BotTokenCheck): Promise<void> {
  const identity = new ClaimsIdentity(
    [{ type: AuthenticationConstants.AudienceClaim, value: check.appId }],
    true,
  );
  // The same factory call CloudAdapter makes for a reply: botbuilder's login URL, scope and credentials.
  const connector = await check.auth.createConnectorFactory(identity).create(UNUSED_SERVICE_URL);
  const credentials = connector.credentials;
  if (!(credentials instanceof AppCredentials)) return; // nothing we know how to ask
  const managedIdentity = check.appType === "UserAssignedMSI";
  const authority = managedIdentity ? "the managed identity endpoint" : credentials.oAuthEndpoint;
  const timeoutMs = check.timeoutMs ?? TOKEN_CHECK_TIMEOUT_MS;
  const clean = (text: string) => redact(text, check.secret);
  try {
    await withTimeout(
      credentials.getToken(true),
      timeoutMs,
      `Bot Framework token: no answer from ${authority} within ${timeoutMs / 1000} s`,
    );
  } catch (err) {
    const message = errorMessage(err);
    const entra = entraError(err);
    if (entra) throwIfRefused(entra, check, err);
    // MSAL reads the tenant's metadata before it asks for a token and reports any failure there
    // as "endpoints_resolution_error", hiding whether the tenant is unknown or the host is down.
    if (!managedIdentity && /endpoints_resolution_error/.test(message)) {
      const probe = await probeTenantMetadata(credentials.oAuthEndpoint);
      if (probe.entra) throwIfRefused(probe.entra, check, err);
      throw new Error(clean(`Bot Framework token: ${probe.problem ?? message}`), { cause: err });
    }
    throw new Error(clean(`Bot Framework token from ${authority}: ${shorten(message)}`), { cause: err });
  }
}

interface EntraError {
  code: string;
  description: string;
}

/** Throws the refusal when `entra` is one of the definite "no"s. */
function throwIfRefused(entra: EntraError, check: BotTokenCheck, cause: unknown): void {
  const refusal = REFUSALS.get(entra.code);
  if (!refusal) return;
  const description = entra.description ? ` (${entra.description})` : "";
  throw new StartupRefusedError(
    refusal.variable,
    redact(
      `Microsoft Entra ID refused ${refusal.variable}: AADSTS${entra.code}${description}. Fix: ${refusal.fix(check.appType)}`,
      check.secret,
    ),
    { cause },
  );
}

/** The AADSTS code and its description in an MSAL error (or an Entra ID error body). */
function entraError(err: unknown): EntraError | undefined {
  const text = typeof err === "string" ? err : errorMessage(err);
  const match = /AADSTS(\d+):?\s*(.*)/s.exec(text);
  if (match?.[1]) return { code: match[1], description: describe(match[2] ?? "") };
  const errorNo = (err as { errorNo?: unknown } | undefined)?.errorNo;
  if (typeof errorNo === "number" || (typeof errorNo === "string" && /^\d+$/.test(errorNo))) {
    return { code: String(errorNo), description: "" };
  }
  return undefined;
}

/** Entra's description without its trace and correlation ids and timestamps. */
function describe(text: string): string {
  const description = text.split(/\s*(?:Trace ID:|Correlation ID:|Timestamp:)/)[0] ?? "";
  return shorten(description).replace(/\.$/, "");
}

interface ProbeResult {
  entra?: EntraError;
  /** Why the metadata could not be had, for /readyz. */
  problem?: string;
}

/** GET {authority}/v2.0/.well-known/openid-configuration, as MSAL does, to learn why it failed. */
async function probeTenantMetadata(authority: string): Promise<ProbeResult> {
  const url = `${authority.replace(/\/+$/, "")}/v2.0/.well-known/openid-configuration`;
  let answer: { status: number; body: string };
  try {
    answer = await get(url, METADATA_PROBE_TIMEOUT_MS);
  } catch (err) {
    return {
      problem: `Microsoft Entra ID login endpoint ${authority} does not answer (${errorMessage(err)})`,
    };
  }
  if (answer.status >= 400) {
    let body: { error_codes?: unknown; error_description?: unknown } = {};
    try {
      body = JSON.parse(answer.body) as typeof body;
    } catch {
      // not Entra ID's JSON: a proxy or an outage page
    }
    const codes = Array.isArray(body.error_codes) ? body.error_codes : [];
    const fromDescription =
      typeof body.error_description === "string" ? entraError(body.error_description) : undefined;
    const code = codes[0] !== undefined ? String(codes[0]) : fromDescription?.code;
    if (code) {
      return {
        entra: { code, description: fromDescription?.description ?? "" },
        problem: `${authority} answered ${answer.status} (AADSTS${code})`,
      };
    }
    return { problem: `Microsoft Entra ID login endpoint ${authority} answered ${answer.status}` };
  }
  return { problem: `Microsoft Entra ID login endpoint ${authority}: endpoints could not be resolved` };
}

function get(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith("http:") ? httpRequest : httpsRequest;
    const req = request(url, { method: "GET", timeout: timeoutMs }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on("error", reject);
    req.end();
  });
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    // Node's network errors carry the useful part in `code` (and an AggregateError has no message).
    const code = (err as { code?: unknown }).code;
    if (!err.message && typeof code === "string") return code;
    return err.message;
  }
  return String(err);
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_DESCRIPTION_CHARS ? `${line.slice(0, MAX_DESCRIPTION_CHARS)}…` : line;
}

function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join(REDACTED) : text;
}
