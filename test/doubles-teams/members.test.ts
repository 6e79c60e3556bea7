// Rosters and team details through botbuilder's TeamsInfo, with Teams' member fields and roles.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { TeamsInfo } from "botbuilder";
import { DEFAULT_TENANT_ID, DEFAULT_USER } from "../doubles/teams/activities.js";
import { inConversation, refusal } from "../doubles/teams/botbuilder-client.js";
import { startConnectorDouble, type TeamsConnectorDouble } from "../doubles/teams/connector-double.js";
import type { MemberConfig } from "../doubles/teams/conversation-model.js";

const TEAM_ID = "19:0ea8b1f0a4d54b9c8f1d2c3b4a5e6f70@thread.tacv2";
const THREAD = `${TEAM_ID};messageid=1700000000001`;

const MEGAN: MemberConfig = {
  ...DEFAULT_USER,
  givenName: "Megan",
  surname: "Bowen",
  email: "MeganB@contoso.com",
  userPrincipalName: "meganb@contoso.com",
  tenantId: DEFAULT_TENANT_ID,
  userRole: "user",
};
const GUEST: MemberConfig = {
  id: "29:guest",
  name: "Adele (Guest)",
  aadObjectId: "6b7b3b2a-2c4b-4175-8582-41c9e685c1b5",
  tenantId: DEFAULT_TENANT_ID,
  userRole: "guest",
};

let double: TeamsConnectorDouble;
before(async () => {
  const others = Array.from({ length: 58 }, (_, i) => ({
    id: `29:member-${i}`,
    name: `Member ${i}`,
    aadObjectId: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
    tenantId: DEFAULT_TENANT_ID,
    userRole: "user",
  }));
  double = await startConnectorDouble({
    teams: [
      {
        id: TEAM_ID,
        name: "Contoso Engineering",
        aadGroupId: "02ce3874-dd86-41ba-bddc-013f34019978",
        tenantId: DEFAULT_TENANT_ID,
        channels: [
          { id: TEAM_ID, name: null },
          { id: "19:design@thread.tacv2", name: "Design" },
        ],
        members: [MEGAN, GUEST, ...others],
      },
    ],
    conversations: [{ id: THREAD, conversationType: "channel", teamId: TEAM_ID }],
  });
});
after(() => double.close());

const channel = { id: THREAD, conversationType: "channel" as const };

test("getMember finds a member by Teams id, with roles and the Entra id as objectId", async () => {
  await inConversation(double.url, channel, async (ctx) => {
    const megan = await TeamsInfo.getMember(ctx, MEGAN.id);
    assert.equal(megan.name, "Megan Bowen");
    assert.equal(megan.userPrincipalName, "meganb@contoso.com");
    assert.equal(megan.email, "MeganB@contoso.com");
    assert.equal(megan.tenantId, DEFAULT_TENANT_ID);
    assert.equal(megan.userRole, "user");
    assert.equal((megan as unknown as { objectId: string }).objectId, MEGAN.aadObjectId);
    assert.equal(megan.aadObjectId, undefined, "only getMembers maps objectId to aadObjectId");
    const guest = await TeamsInfo.getMember(ctx, GUEST.aadObjectId);
    assert.equal(guest.userRole, "guest");
    const missing = await refusal(TeamsInfo.getMember(ctx, "29:nobody"));
    assert.equal(missing.code, "MemberNotFoundInConversation");
  });
  const [call] = double.calls;
  assert.equal(call?.path, `/amer/v3/conversations/${THREAD}/members/${MEGAN.id}`);
});

test("paged members: page size clamps to 50, continuation token, channel threads read the team roster", async () => {
  await inConversation(double.url, channel, async (ctx) => {
    const first = await TeamsInfo.getPagedMembers(ctx, 10);
    assert.equal(first.members.length, 50, "a page size under 50 counts as 50");
    assert.ok(first.continuationToken);
    const second = await TeamsInfo.getPagedMembers(ctx, 10, first.continuationToken);
    assert.equal(second.members.length, 10);
    assert.equal(second.continuationToken, undefined);
    const team = await TeamsInfo.getPagedTeamMembers(ctx, TEAM_ID, 500);
    assert.equal(team.members.length, 60);
    assert.deepEqual(
      team.members.slice(0, 2).map((m) => m.userRole),
      ["user", "guest"],
    );
  });
});

test("getMembers (deprecated) maps objectId to aadObjectId", async () => {
  await inConversation(double.url, channel, async (ctx) => {
    const members = await TeamsInfo.getTeamMembers(ctx, TEAM_ID);
    assert.equal(members[0]?.aadObjectId, MEGAN.aadObjectId);
  });
});

test("team details and channel list", async () => {
  await inConversation(double.url, channel, async (ctx) => {
    const details = await TeamsInfo.getTeamDetails(ctx, TEAM_ID);
    assert.deepEqual(
      { id: details.id, name: details.name, aadGroupId: details.aadGroupId },
      { id: TEAM_ID, name: "Contoso Engineering", aadGroupId: "02ce3874-dd86-41ba-bddc-013f34019978" },
    );
    const channels = await TeamsInfo.getTeamChannels(ctx, TEAM_ID);
    assert.deepEqual(
      channels.map((c) => c.name ?? null),
      [null, "Design"],
    );
  });
  assert.deepEqual(
    double.calls.slice(-2).map((c) => c.path),
    [`/amer/v3/teams/${TEAM_ID}`, `/amer/v3/teams/${TEAM_ID}/conversations`],
  );
});

test("memberObjectIdField: 'aadObjectId' puts the Entra id where botbuilder's types expect it", async () => {
  const other = await startConnectorDouble({
    memberObjectIdField: "aadObjectId",
    conversations: [{ id: "a:one", conversationType: "personal", members: [MEGAN] }],
  });
  try {
    await inConversation(other.url, { id: "a:one", conversationType: "personal" }, async (ctx) => {
      const megan = await TeamsInfo.getMember(ctx, MEGAN.id);
      assert.equal(megan.aadObjectId, MEGAN.aadObjectId);
    });
  } finally {
    await other.close();
  }
});
