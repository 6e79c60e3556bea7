// The Bot Connector paths botframework-connector 4.23 calls (ConnectorClient.conversations and
// TeamsConnectorClient.teams), parsed from a request. Path parameters arrive percent-encoded
// (encodeURIComponent: a channel thread "19:x@thread.tacv2;messageid=1" becomes "19%3Ax%40...%3B...").

export type Route =
  | { kind: "send"; conversationId: string }
  | { kind: "reply"; conversationId: string; activityId: string }
  | { kind: "update"; conversationId: string; activityId: string }
  | { kind: "delete"; conversationId: string; activityId: string }
  | { kind: "members"; conversationId: string }
  | { kind: "member"; conversationId: string; memberId: string }
  | { kind: "pagedMembers"; conversationId: string; pageSize?: number; continuationToken?: string }
  | { kind: "teamDetails"; teamId: string }
  | { kind: "teamChannels"; teamId: string }
  | { kind: "unknown" };

const PATTERNS: Array<{ method: string; pattern: RegExp; build(parts: string[], url: URL): Route }> = [
  { method: "POST", pattern: /^\/v3\/conversations\/([^/]+)\/activities$/, build: ([c]) => send(c) },
  {
    method: "POST",
    pattern: /^\/v3\/conversations\/([^/]+)\/activities\/([^/]+)$/,
    build: ([c, a]) => ({ kind: "reply", conversationId: c ?? "", activityId: a ?? "" }),
  },
  {
    method: "PUT",
    pattern: /^\/v3\/conversations\/([^/]+)\/activities\/([^/]+)$/,
    build: ([c, a]) => ({ kind: "update", conversationId: c ?? "", activityId: a ?? "" }),
  },
  {
    method: "DELETE",
    pattern: /^\/v3\/conversations\/([^/]+)\/activities\/([^/]+)$/,
    build: ([c, a]) => ({ kind: "delete", conversationId: c ?? "", activityId: a ?? "" }),
  },
  {
    method: "GET",
    pattern: /^\/v3\/conversations\/([^/]+)\/members$/,
    build: ([c]) => ({ kind: "members", conversationId: c ?? "" }),
  },
  {
    method: "GET",
    pattern: /^\/v3\/conversations\/([^/]+)\/members\/([^/]+)$/,
    build: ([c, m]) => ({ kind: "member", conversationId: c ?? "", memberId: m ?? "" }),
  },
  {
    method: "GET",
    pattern: /^\/v3\/conversations\/([^/]+)\/pagedmembers$/,
    build: ([c], url) => ({
      kind: "pagedMembers",
      conversationId: c ?? "",
      pageSize: numberParam(url.searchParams.get("pageSize")),
      continuationToken: url.searchParams.get("continuationToken") ?? undefined,
    }),
  },
  {
    method: "GET",
    pattern: /^\/v3\/teams\/([^/]+)$/,
    build: ([t]) => ({ kind: "teamDetails", teamId: t ?? "" }),
  },
  {
    method: "GET",
    pattern: /^\/v3\/teams\/([^/]+)\/conversations$/,
    build: ([t]) => ({ kind: "teamChannels", teamId: t ?? "" }),
  },
];

/** Real service URLs carry a region prefix ("https://smba.trafficmanager.net/amer/"): routes start at /v3/. */
export function parseRoute(method: string, url: URL): Route {
  const pathname = apiPath(url.pathname);
  for (const candidate of PATTERNS) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(pathname);
    if (!match) continue;
    const parts = match.slice(1).map((part) => safeDecode(part));
    return candidate.build(parts, url);
  }
  return { kind: "unknown" };
}

/** The conversation a route acts on (decoded), if any. */
export function routeConversation(route: Route): string | undefined {
  return "conversationId" in route ? route.conversationId : undefined;
}

/** A channel thread shares its channel's budget and roster: "19:x@thread.tacv2;messageid=1" → "19:x@thread.tacv2". */
export function baseConversationId(conversationId: string): string {
  const at = conversationId.indexOf(";messageid=");
  return at === -1 ? conversationId : conversationId.slice(0, at);
}

export function apiPath(pathname: string): string {
  const at = pathname.indexOf("/v3/");
  return at === -1 ? pathname : pathname.slice(at);
}

function send(conversationId: string | undefined): Route {
  return { kind: "send", conversationId: conversationId ?? "" };
}

function numberParam(value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
