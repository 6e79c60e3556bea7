// Reads a streaming request's stream info. The docs put it in a `streaminfo` entity; teams-ai's
// StreamingResponse also copies it into channelData (streamType, streamSequence, streamId), and with
// botbuilder 4.23 + @azure/core-client 1.11 channelData is all that survives: the serializer strips
// every entity property but type/text/mentioned. So the entity wins and channelData fills the gaps.
import { type Entity, isRecord } from "./conversation-model.js";

export type StreamType = "informative" | "streaming" | "final";

export interface StreamInfo {
  streamId?: string;
  /** Absent means "streaming" (the docs' default). */
  streamType?: string;
  streamSequence?: number;
  /** Where the fields came from: a full entity, channelData, or an entity reduced to {type}. */
  source: "entity" | "channelData" | "bare-entity";
}

const STREAM_TYPES: readonly string[] = ["informative", "streaming", "final"];

/** The activity's stream info, or undefined when it is not a streaming request. */
export function readStreamInfo(activity: Record<string, unknown>): StreamInfo | undefined {
  const entities = Array.isArray(activity.entities) ? activity.entities.filter(isRecord) : [];
  const entity = entities.find((e) => typeof e.type === "string" && e.type.toLowerCase() === "streaminfo") as
    | Entity
    | undefined;
  const channelData = isRecord(activity.channelData) ? activity.channelData : {};
  const fromChannelData = STREAM_TYPES.includes(String(channelData.streamType)) || "streamId" in channelData;
  if (!entity && !fromChannelData) return undefined;
  const pick = (key: string): unknown => entity?.[key] ?? channelData[key];
  const entityHasFields =
    entity !== undefined && ["streamId", "streamType", "streamSequence"].some((k) => k in entity);
  return {
    streamId:
      typeof pick("streamId") === "string" && pick("streamId") !== "" ? String(pick("streamId")) : undefined,
    streamType: typeof pick("streamType") === "string" ? String(pick("streamType")) : undefined,
    streamSequence: typeof pick("streamSequence") === "number" ? Number(pick("streamSequence")) : undefined,
    source: entityHasFields ? "entity" : fromChannelData ? "channelData" : "bare-entity",
  };
}

export type ActivityKind = "typing" | StreamType | "message";

/** What a bot's activity is to Teams: a plain typing indicator, one of a stream's requests, or a message. */
export function activityKind(activity: Record<string, unknown>): ActivityKind {
  const info = readStreamInfo(activity);
  if (info)
    return (STREAM_TYPES.includes(info.streamType ?? "") ? info.streamType : "streaming") as StreamType;
  return activity.type === "typing" ? "typing" : "message";
}
