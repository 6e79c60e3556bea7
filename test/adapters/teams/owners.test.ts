// Only team owners (found in Microsoft Graph) or configured admins change a channel's settings.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { type GraphDouble, startGraphDouble } from "../../doubles/graph/graph-double.js";
import { channelConversationId, channelMention } from "../../doubles/teams/activities.js";
import { startTeamsHarness, type TeamsHarness } from "./harness.js";

const GRAPH_TOKEN = "graph-token-for-tests";
const GROUP_ID = "0f6a5b1e-1111-4c2d-9e3f-000000000001";

/** Stands in for the bot's Entra identity (the Azure SDK's credential boundary). */
class FakeCredential implements TokenCredential {
  scopes: string[] = [];
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(...[scopes].flat());
    return { token: GRAPH_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

describe("Teams channel settings and team ownership", () => {
  let h: TeamsHarness;
  let graph: GraphDouble;
  const credential = new FakeCredential();
  const channel = channelConversationId();
  const owner = { id: "29:owner", name: "Olga Owner", aadObjectId: "aad-owner" };
  const member = { id: "29:member", name: "Mel Member", aadObjectId: "aad-member" };

  before(async () => {
    graph = await startGraphDouble({ token: GRAPH_TOKEN });
    graph.setMember(GROUP_ID, owner.aadObjectId, ["owner"]);
    graph.setMember(GROUP_ID, member.aadObjectId, []);
    h = await startTeamsHarness({ graph: { url: graph.url, credential } });
  });
  after(async () => {
    await h.close();
    await graph.close();
  });

  const ask = async (user: typeof owner, question: string) => {
    const activity = channelMention({ ...h.base, user }, { question, channelId: channel, teamId: channel });
    (activity.channelData.team as Record<string, unknown>).aadGroupId = GROUP_ID;
    await h.post(activity);
    await h.settled();
    return h.connector.visible(activity.conversation.id).at(-1)?.text ?? "";
  };

  it("lets a team owner change the channel's settings and refuses a member", async () => {
    assert.match(
      await ask(member, "settings set temperature 0.8"),
      /Only admins can change this channel's settings/,
    );
    assert.match(await ask(owner, "settings set temperature 0.8"), /`temperature` is now `0.8`/);
    assert.deepEqual(credential.scopes.at(-1), "https://graph.microsoft.com/.default");
    assert.ok(graph.requests.every((r) => r.status === 200 && r.authorization === `Bearer ${GRAPH_TOKEN}`));
  });

  it("treats a user Graph does not list as a team owner as a member", async () => {
    const stranger = { id: "29:stranger", name: "Sam", aadObjectId: "aad-not-in-team" };
    assert.match(await ask(stranger, "settings reset temperature"), /Only admins can change/);
  });
});
