// The Teams stream sink when a stream ends on Teams' side: what goes to the conversation, call by
// call, with a scripted conversation in place of botbuilder (the connector double covers the wire).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Activity } from "botframework-schema";
import { type TeamsConversation, TeamsStreamEndedError } from "../../../adapters/teams/conversation.js";
import { TeamsStreamSink } from "../../../adapters/teams/stream-sink.js";
import { ReplyStoppedError } from "../../../src/errors.js";
import type { Clock } from "../../../src/reply/types.js";

interface Sent {
  op: "send" | "update";
  id: string;
  type: string | undefined;
  streamType: string | undefined;
  text: string | undefined;
  labelled: boolean;
}

/** Answers like Teams: a stream's first request and plain messages get ids, later stream requests "". */
class ScriptedConversation {
  readonly log: Sent[] = [];
  /** Streaming requests (typing or final) throw this while set. */
  refuseStream: Error | undefined;
  /** Updates throw this while set. */
  refuseUpdate: Error | undefined;
  #ids = 0;

  async send(activity: Partial<Activity>): Promise<string> {
    const streamType = (activity.channelData as { streamType?: string } | undefined)?.streamType;
    const streamId = (activity.channelData as { streamId?: string } | undefined)?.streamId;
    if (streamType && this.refuseStream) throw this.refuseStream;
    const id = streamId ? "" : `m${++this.#ids}`;
    this.log.push(record("send", id || (streamId ?? ""), activity, streamType));
    return id;
  }

  async update(activity: Partial<Activity> & { id: string }): Promise<void> {
    if (this.refuseUpdate) throw this.refuseUpdate;
    this.log.push(record("update", activity.id, activity, undefined));
  }
}

function record(op: Sent["op"], id: string, activity: Partial<Activity>, streamType?: string): Sent {
  const labelled = (activity.entities ?? []).some((e) => e.type === "https://schema.org/Message");
  return { op, id, type: activity.type, streamType, text: activity.text, labelled };
}

/** Sleeps pass at once and move the time on. */
function jumpClock(): Clock {
  let t = 1_000_000;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += Math.max(0, ms);
    },
  };
}

function sinkWith(conversation: ScriptedConversation): TeamsStreamSink {
  return new TeamsStreamSink(conversation as unknown as TeamsConversation, jumpClock());
}

const timeLimit = () => new TeamsStreamEndedError("Content stream finished due to exceeded streaming time.");

describe("TeamsStreamSink: a stream Teams ends", { timeout: 30_000 }, () => {
  it("closes the stream in place with what it showed; the rest follows in one labelled follow-up", async () => {
    const conversation = new ScriptedConversation();
    const sink = sinkWith(conversation);
    const handle = await sink.post("Hello ", false);
    conversation.refuseStream = timeLimit();
    await sink.update(handle, "Hello world", false);
    await sink.update(handle, "Hello world, again.", true, "answer");

    assert.deepEqual(
      conversation.log.map((s) => [s.op, s.id, s.streamType ?? s.type, s.text, s.labelled]),
      [
        ["send", "m1", "streaming", "Hello ", false],
        ["update", "m1", "message", "Hello ", false],
        ["send", "m2", "message", "world", false],
        ["update", "m2", "message", "world, again.", true],
      ],
    );
  });

  it("labels the streamed message itself when only its final message was refused", async () => {
    const conversation = new ScriptedConversation();
    const sink = sinkWith(conversation);
    const handle = await sink.post("All of it.", false);
    conversation.refuseStream = timeLimit();
    await sink.update(handle, "All of it.", true, "answer");

    assert.deepEqual(
      conversation.log.map((s) => [s.op, s.id, s.text, s.labelled]),
      [
        ["send", "m1", "All of it.", false],
        ["update", "m1", "All of it.", false],
        ["update", "m1", "All of it.", true],
      ],
      "no empty follow-up",
    );
  });

  it("keeps what was shown when Teams refuses the closing update too", async () => {
    const conversation = new ScriptedConversation();
    const sink = sinkWith(conversation);
    const handle = await sink.post("Part one ", false);
    conversation.refuseStream = new TeamsStreamEndedError("403 without a reason");
    conversation.refuseUpdate = new TeamsStreamEndedError("403 without a reason");
    await sink.update(handle, "Part one part two", false);
    conversation.refuseUpdate = undefined;
    await sink.update(handle, "Part one part two.", true, "answer");

    assert.deepEqual(
      conversation.log.map((s) => [s.op, s.id, s.text, s.labelled]),
      [
        ["send", "m1", "Part one ", false],
        ["send", "m2", "part two", false],
        ["update", "m2", "part two.", true],
      ],
    );
  });

  it("passes the user's Stop on and sends nothing more", async () => {
    const conversation = new ScriptedConversation();
    const sink = sinkWith(conversation);
    const handle = await sink.post("Stop me ", false);
    conversation.refuseStream = new ReplyStoppedError();
    await assert.rejects(sink.update(handle, "Stop me now", false), ReplyStoppedError);
    assert.deepEqual(
      conversation.log.map((s) => s.text),
      ["Stop me "],
    );
  });

  it("does not take a failed follow-up for a stream end", async () => {
    const conversation = new ScriptedConversation();
    const sink = sinkWith(conversation);
    const handle = await sink.post("First ", false);
    conversation.refuseStream = timeLimit();
    await sink.update(handle, "First second", false);
    conversation.refuseUpdate = new TeamsStreamEndedError("403 without a reason");
    await assert.rejects(sink.update(handle, "First second third", false), TeamsStreamEndedError);
    conversation.refuseUpdate = undefined;
    await sink.update(handle, "First second third.", true, "answer");
    assert.deepEqual(
      conversation.log.map((s) => [s.op, s.id, s.text]),
      [
        ["send", "m1", "First "],
        ["update", "m1", "First "],
        ["send", "m2", "second"],
        ["update", "m2", "second third."],
      ],
      "the follow-up is retried in place, never a second one",
    );
  });
});
