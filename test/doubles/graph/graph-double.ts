// A test double of the one Microsoft Graph call the Teams adapter makes: list a team's members
// filtered to one user (GET /v1.0/teams/{group-id}/members?$filter=(...userId eq '<id>')), answering
// aadUserConversationMember entries with their roles, as Graph does. Requests need the bearer token.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface GraphDouble {
  /** Base URL, like https://graph.microsoft.com/v1.0 */
  url: string;
  /** group id → user object id → roles (["owner"] for owners, [] for members). */
  setMember(groupId: string, userId: string, roles: string[]): void;
  requests: Array<{ path: string; authorization?: string; status: number }>;
  close(): Promise<void>;
}

export async function startGraphDouble(options: { token: string }): Promise<GraphDouble> {
  const members = new Map<string, Map<string, string[]>>();
  const requests: GraphDouble["requests"] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://graph");
    const answer = (status: number, body: unknown) => {
      requests.push({ path: url.pathname, authorization: req.headers.authorization, status });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      return answer(401, {
        error: { code: "InvalidAuthenticationToken", message: "Access token is empty or invalid." },
      });
    }
    const match = /^\/v1\.0\/teams\/([^/]+)\/members$/.exec(url.pathname);
    const filter = /userId eq '([^']+)'/.exec(url.searchParams.get("$filter") ?? "");
    if (req.method !== "GET" || !match?.[1])
      return answer(404, { error: { code: "NotFound", message: "Not found" } });
    const team = members.get(decodeURIComponent(match[1]));
    if (!team) return answer(404, { error: { code: "NotFound", message: "No team found with Group Id" } });
    const value = [...team.entries()]
      .filter(([userId]) => !filter || userId === filter[1])
      .map(([userId, roles]) => ({
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        id: `membership-${userId}`,
        roles,
        displayName: userId,
        userId,
        tenantId: "tenant",
      }));
    answer(200, {
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#teams('id')/members",
      "@odata.count": value.length,
      value,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`,
    setMember(groupId, userId, roles) {
      const team = members.get(groupId) ?? new Map<string, string[]>();
      team.set(userId, roles);
      members.set(groupId, team);
    },
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
