// botbuilder 4.23.3 (with @azure/core-client 1.11) serializes activity.entities with the plain Entity
// mapper, which keeps only type/text/mentioned: the AI label, citations and streaminfo fields never
// reach Teams. The double shows what arrived, so a test sees the loss; patching the mapper's
// additionalProperties (what the Activity mapper meant to allow) brings the fields back.
// This file runs in its own process (node --test), so the patch stays here.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import * as connectorMappers from "botframework-connector/lib/connectorApi/models/mappers.js";
import { personalConversationId } from "../doubles/teams/activities.js";
import { inConversation, refusal } from "../doubles/teams/botbuilder-client.js";
import { startConnectorDouble, type TeamsConnectorDouble } from "../doubles/teams/connector-double.js";

const AI_LABEL = {
  type: "https://schema.org/Message",
  "@type": "Message",
  "@context": "https://schema.org",
  additionalType: ["AIGeneratedContent"],
  citation: [
    {
      "@type": "Claim",
      position: 1,
      appearance: {
        "@type": "DigitalDocument",
        name: "Handbook",
        abstract: "Leave policy",
        url: "https://x.invalid/1",
      },
    },
  ],
};

let double: TeamsConnectorDouble;
before(async () => {
  double = await startConnectorDouble({ streamMinIntervalMs: 10 });
});
after(() => double.close());
beforeEach(() => double.reset());

function personal() {
  return { id: personalConversationId(), conversationType: "personal" as const };
}

test("unpatched: the AI label entity reaches Teams as {type} only", async () => {
  const conversation = personal();
  await inConversation(double.url, conversation, async (ctx) => {
    await ctx.sendActivity({ type: "message", text: "Leave is 25 days [1].", entities: [AI_LABEL] });
  });
  const [shown] = double.visible(conversation.id);
  assert.deepEqual(shown?.entities, [{ type: "https://schema.org/Message" }]);
  assert.equal(shown?.aiGenerated, false);
  assert.equal(shown?.citations, 0);
});

test("patched: a stream with entity-only stream info, ending in an AI-labelled final with citations", async () => {
  const entity = connectorMappers.Entity.type as { additionalProperties?: unknown };
  const saved = entity.additionalProperties;
  entity.additionalProperties = { type: { name: "Object" } };
  try {
    const conversation = personal();
    let streamId = "";
    await inConversation(double.url, conversation, async (ctx) => {
      const first = await ctx.sendActivity({
        type: "typing",
        text: "Searching…",
        entities: [{ type: "streaminfo", streamType: "informative", streamSequence: 1 }],
      });
      streamId = first?.id ?? "";
      await sleep(15);
      await ctx.sendActivity({
        type: "typing",
        text: "Leave is 25 days",
        entities: [{ type: "streaminfo", streamType: "streaming", streamSequence: 2, streamId }],
      });
      await sleep(15);
      await ctx.sendActivity({
        type: "message",
        text: "Leave is 25 days [1].",
        entities: [{ type: "streaminfo", streamType: "final", streamId }, AI_LABEL],
        channelData: { feedbackLoop: { type: "default" } },
      });
      await sleep(15);
      const twoRoots = await refusal(
        ctx.sendActivity({ type: "message", text: "x", entities: [AI_LABEL, { ...AI_LABEL, citation: [] }] }),
      );
      assert.deepEqual([twoRoots.statusCode, twoRoots.code], [400, "BadSyntax"]);
    });
    const shown = double.message(conversation.id, streamId);
    assert.equal(shown?.text, "Leave is 25 days [1].");
    assert.equal(shown?.stream, "final");
    assert.equal(shown?.aiGenerated, true);
    assert.equal(shown?.citations, 1);
    assert.equal(shown?.feedbackLoop, true);
    assert.deepEqual(
      double.violations.map((v) => v.kind),
      ["multiple-root-message-entities"],
    );
  } finally {
    entity.additionalProperties = saved;
  }
});
