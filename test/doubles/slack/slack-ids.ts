// Random IDs shaped like Slack's, shared by the payload builders.
import { randomBytes } from "node:crypto";

export type ChannelType = "channel" | "group" | "im" | "mpim";

/** D…: a DM, G…: a private channel, else a public channel. */
export function channelTypeOf(channel: string): ChannelType {
  if (channel.startsWith("D")) return "im";
  if (channel.startsWith("G")) return "group";
  return "channel";
}

export function newEventId(): string {
  return `Ev${randomBytes(5).toString("hex").toUpperCase()}`;
}

export function newTriggerId(): string {
  return `${digits(12)}.${digits(11)}.${randomBytes(16).toString("hex")}`;
}

export function randomToken(): string {
  return randomBytes(12).toString("base64url");
}

export function digits(count: number): string {
  let out = "";
  for (const byte of randomBytes(count)) out += String(byte % 10);
  return out;
}
