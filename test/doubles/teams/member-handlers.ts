// Rosters and team details, as TeamsInfo reads them: GET /v3/conversations/{id}/members (deprecated),
// /members/{memberId}, /pagedmembers (TeamsInfo passes a team id for team rosters) and GET
// /v3/teams/{teamId}, /v3/teams/{teamId}/conversations (get-teams-context).
import type { MemberConfig } from "./conversation-model.js";
import { type Answer, answerError, type HandlerContext, type Settings } from "./handler-context.js";
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, PAGE_SIZE_MIN } from "./limits.js";
import type { Route } from "./routes.js";
import { badArgument, CONVERSATION_NOT_FOUND, MEMBER_NOT_FOUND } from "./teams-errors.js";

type MemberRoute = Extract<
  Route,
  { kind: "members" | "member" | "pagedMembers" | "teamDetails" | "teamChannels" }
>;

export function handleMemberRoute(ctx: HandlerContext, route: MemberRoute): Answer {
  if (route.kind === "teamDetails" || route.kind === "teamChannels") {
    const team = ctx.store.teams.get(route.teamId);
    if (!team) return answerError(CONVERSATION_NOT_FOUND);
    if (route.kind === "teamChannels") return { status: 200, body: { conversations: team.channels ?? [] } };
    return {
      status: 200,
      body: { id: team.id, name: team.name, aadGroupId: team.aadGroupId, tenantId: team.tenantId },
    };
  }
  const roster = ctx.store.roster(route.conversationId);
  if (!roster) return answerError(CONVERSATION_NOT_FOUND);
  const field = ctx.settings.memberObjectIdField;
  if (route.kind === "members") return { status: 200, body: roster.map((m) => wireMember(m, field)) };
  if (route.kind === "member") {
    // "retrieve the details of a particular user using their Teams user ID, UPN, or Azure AD Object ID"
    const wanted = route.memberId.toLowerCase();
    const member = roster.find((m) =>
      [m.id, m.aadObjectId, m.userPrincipalName].some((key) => key?.toLowerCase() === wanted),
    );
    return member ? { status: 200, body: wireMember(member, field) } : answerError(MEMBER_NOT_FOUND);
  }
  const offset = decodeToken(route.continuationToken);
  if (offset === undefined) return answerError(badArgument("Invalid continuation token."));
  const pageSize = clampPageSize(route.pageSize);
  const page = roster.slice(offset, offset + pageSize).map((m) => wireMember(m, field));
  const next = offset + pageSize < roster.length ? encodeToken(offset + pageSize) : undefined;
  return { status: 200, body: { continuationToken: next, members: page } };
}

/** Teams sends the Entra id as `objectId` in its documented roster answers; botbuilder maps it only in getMembers. */
export function wireMember(
  member: MemberConfig,
  field: Settings["memberObjectIdField"],
): Record<string, unknown> {
  const { aadObjectId, ...rest } = member;
  if (field === "aadObjectId") return { ...rest, aadObjectId };
  if (field === "both") return { ...rest, objectId: aadObjectId, aadObjectId };
  return { ...rest, objectId: aadObjectId };
}

function clampPageSize(pageSize: number | undefined): number {
  if (pageSize === undefined) return PAGE_SIZE_DEFAULT;
  return Math.min(PAGE_SIZE_MAX, Math.max(PAGE_SIZE_MIN, Math.floor(pageSize)));
}

function encodeToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

function decodeToken(token: string | undefined): number | undefined {
  if (token === undefined || token === "") return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  return match ? Number(match[1]) : undefined;
}
