// Team ownership from Microsoft Graph: the Bot Connector's member APIs do not say who owns a team.
// GET /teams/{group-id}/members filtered to the user returns their `roles` ("owner" for owners).
// The app reads it with the resource-specific consent permission TeamMember.Read.Group, declared
// in manifest/teams/ and granted when the app is added to a team.
import { ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from "@azure/identity";
import type { TeamsConfig } from "../../src/config.js";
import type { Logger } from "../../src/log.js";
import type { TeamOwnerCheck } from "./permissions.js";

export const GRAPH_URL = "https://graph.microsoft.com/v1.0";
const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
/** Roles change rarely; a cached answer saves a Graph call per settings change. */
const OWNER_CACHE_MS = 5 * 60_000;
const GRAPH_TIMEOUT_MS = 5_000;

export interface GraphOwnerOptions {
  /** The identity the bot signs in to Graph with, per tenant of the team. */
  credentialFor: (tenantId: string) => TokenCredential;
  graphUrl?: string;
  logger: Logger;
  now?: () => number;
}

export function graphTeamOwnerCheck(options: GraphOwnerOptions): TeamOwnerCheck {
  const cache = new Map<string, { owner: boolean; until: number }>();
  const now = options.now ?? Date.now;
  const graphUrl = (options.graphUrl ?? GRAPH_URL).replace(/\/+$/, "");
  return async (turn) => {
    if (!turn.teamAadGroupId) return false;
    const key = `${turn.teamAadGroupId}:${turn.userId}`;
    const cached = cache.get(key);
    if (cached && cached.until > now()) return cached.owner;

    const token = await options.credentialFor(turn.tenantId).getToken(GRAPH_SCOPE);
    if (!token) throw new Error("no Microsoft Graph token");
    const filter = encodeURIComponent(
      `(microsoft.graph.aadUserConversationMember/userId eq '${turn.userId}')`,
    );
    const res = await fetch(
      `${graphUrl}/teams/${encodeURIComponent(turn.teamAadGroupId)}/members?$filter=${filter}`,
      {
        headers: { authorization: `Bearer ${token.token}` },
        signal: AbortSignal.timeout(GRAPH_TIMEOUT_MS),
      },
    );
    if (!res.ok) {
      options.logger.warn(
        {
          status: res.status,
          hint: "grant the app the TeamMember.Read.Group permission (manifest/teams; reinstall the app in the team)",
        },
        "Microsoft Graph refused the team member lookup",
      );
      throw new Error(`Graph members lookup answered ${res.status}`);
    }
    const body = (await res.json()) as { value?: Array<{ roles?: string[] }> };
    const owner = (body.value ?? []).some((m) => (m.roles ?? []).some((r) => r.toLowerCase() === "owner"));
    cache.set(key, { owner, until: now() + OWNER_CACHE_MS });
    return owner;
  };
}

/** The bot's own identity for Graph: its client secret (per tenant), or its user-assigned managed identity. */
export function botCredentials(config: TeamsConfig): (tenantId: string) => TokenCredential {
  const byTenant = new Map<string, TokenCredential>();
  return (tenantId) => {
    const tenant = config.appType === "MultiTenant" ? tenantId : (config.tenantId ?? tenantId);
    let credential = byTenant.get(tenant);
    if (!credential) {
      credential =
        config.appType === "UserAssignedMSI"
          ? new ManagedIdentityCredential({ clientId: config.appId })
          : new ClientSecretCredential(tenant, config.appId, config.appPassword ?? "");
      byTenant.set(tenant, credential);
    }
    return credential;
  };
}
