// A real test double of Slack's Socket Mode, in front of the Web API double. Point the bot at
// `double.url` as its slackApiUrl: `apps.connections.open` is answered here, every other Web API
// call is passed through unchanged to the wrapped Web API double (which records and checks it), and
// the WebSocket URL handed out is served by this same HTTP server. No `ws` package: the WebSocket
// side is a small RFC 6455 server (handshake, masked client frames, ping/pong, close handshake).
//
// Wire facts (docs.slack.dev/apis/events-api/using-socket-mode, .../reference/methods/apps.connections.open,
// and what @slack/socket-mode 3 sends and expects):
// - apps.connections.open takes the app-level token (xapp-…) in `Authorization: Bearer` only ("passing
//   it as a POST parameter will result in an error") and answers {ok:true, url:"wss://…/link/?ticket=…&app_id=…"}.
//   The Node SDK treats not_authed and invalid_auth as unrecoverable; other errors make it try again.
// - Right after the upgrade Slack sends {"type":"hello","num_connections",debug_info:{host,build_number,
//   approximate_connection_time},connection_info:{app_id}}; the SDK is "connected" only once it has it.
// - Payloads come as {envelope_id, type, payload, accepts_response_payload} with type events_api (payload:
//   the Events API body, plus retry_attempt and retry_reason), slash_commands (the command's fields) or
//   interactive (e.g. a block_actions payload). The app acks each within 3 s with {envelope_id, payload?};
//   for slash commands and interactivity the payload is the response (e.g. an ephemeral message).
// - {"type":"disconnect","reason":"warning"|"refresh_requested"|"link_disabled",debug_info:{host}} asks
//   the app to reconnect; @slack/socket-mode then closes the socket (close code 1000), waits
//   clientPingTimeout (5 s by default) and calls apps.connections.open again.
// - The SDK pings every clientPingTimeout/3 and gives up on a connection that does not pong; it only
//   watches for server pings once one has arrived.
// Not modelled: ticket expiry, the 10-connection limit, Slack's own redelivery of unacked envelopes
// (use `redeliver`), compression.
import { createHash, randomUUID } from "node:crypto";
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { BlockAction, EnvelopedEvent, SlashCommand } from "@slack/bolt";
import { DEFAULT_TEAM } from "./defaults.js";
import type { SlackDouble } from "./double-types.js";
import { bearer } from "./request-parsing.js";

export const DEFAULT_APP_TOKEN = "xapp-1-A0000APP01-1234567890123-0123456789abcdef0123456789abcdef";
/** Slack's deadline for an ack; a later one is recorded as a problem. */
export const ACK_DEADLINE_MS = 3_000;
const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export type EnvelopeType = "events_api" | "slash_commands" | "interactive";

export interface SocketModeEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: object;
  accepts_response_payload: boolean;
  /** events_api only: 0 on the first delivery. */
  retry_attempt?: number;
  /** events_api only: "" on the first delivery. */
  retry_reason?: string;
}

export interface RecordedAck {
  envelope_id: string;
  /** The response the app put in its ack ({} when @slack/socket-mode acks without one). */
  payload?: Record<string, unknown>;
  /** Milliseconds from sending the envelope to the ack. */
  afterMs: number;
  /** Clock time (Date.now) the ack arrived. */
  at: number;
  connection: number;
}

export interface RecordedClose {
  connection: number;
  /** Who started the close handshake. */
  by: "client" | "server";
  /** The close code the client sent (undefined: none). */
  code?: number;
}

export interface RecordedOpen {
  /** The bearer token it was called with (undefined: none). */
  token: string | undefined;
  ok: boolean;
  error?: string;
  url?: string;
  time: number;
}

export interface SocketModeDoubleOptions {
  /** The Web API double every other method goes to. */
  web: SlackDouble;
  /** The app-level token apps.connections.open accepts (default DEFAULT_APP_TOKEN). */
  appToken?: string;
  appId?: string;
}

export interface SocketModeDouble {
  /** The slackApiUrl to give the bot (ends in /api/): Socket Mode here, the rest passed to `web`. */
  url: string;
  web: SlackDouble;
  appToken: string;
  /** Every apps.connections.open call. */
  opens: RecordedOpen[];
  /** Every envelope sent, in order. */
  sent: SocketModeEnvelope[];
  acks: RecordedAck[];
  /** Close frames received from the client. */
  closes: RecordedClose[];
  /** Protocol problems seen: unknown or repeated envelope ids, late acks, unparsable frames. */
  problems: string[];
  /** WebSocket connections open now (hello sent, not closed). */
  readonly connections: number;
  /** WebSocket connections opened so far. */
  readonly connectionsOpened: number;
  /** Pings received from the client (each one answered with a pong). */
  readonly pingsReceived: number;
  /** An events_api envelope around an Events API body (eventEnvelope(...)); returns its envelope_id. */
  sendEvent(body: EnvelopedEvent<unknown>, options?: { retryAttempt?: number; retryReason?: string }): string;
  /** A slash_commands envelope around the command's fields. */
  sendSlashCommand(command: SlashCommand): string;
  /** An interactive envelope around e.g. a block_actions payload. */
  sendInteractive(payload: BlockAction | Record<string, unknown>): string;
  /** Sends an earlier events_api payload again, as Slack does when unacked: new envelope_id, retry_attempt + 1. */
  redeliver(envelopeId: string, reason?: string): string;
  /** Sends {"type":"disconnect"} on every open connection. */
  disconnect(reason?: "warning" | "refresh_requested" | "link_disabled"): void;
  waitForAck(envelopeId: string, timeoutMs?: number): Promise<RecordedAck>;
  /** Clears opens, sent, acks, closes and problems (not the connections). */
  reset(): void;
  /** Closes the sockets and the server (not the Web API double). */
  close(): Promise<void>;
}

interface Connection {
  id: number;
  socket: Duplex;
  open: boolean;
  closeSent: boolean;
  send(message: object): void;
  closeWith(code: number, reason?: string): void;
}

export async function startSocketModeDouble(options: SocketModeDoubleOptions): Promise<SocketModeDouble> {
  const { web } = options;
  const appToken = options.appToken ?? DEFAULT_APP_TOKEN;
  const appId = options.appId ?? DEFAULT_TEAM.appId;
  const webUrl = new URL(web.url);
  const agent = new Agent({ keepAlive: true });
  const tickets = new Set<string>();
  const live = new Set<Connection>();
  const sentAt = new Map<string, number>();
  const ackWaiters = new Map<string, Array<(ack: RecordedAck) => void>>();
  let opened = 0;
  let pings = 0;
  let base = "";

  const double = {
    url: "",
    web,
    appToken,
    opens: [] as RecordedOpen[],
    sent: [] as SocketModeEnvelope[],
    acks: [] as RecordedAck[],
    closes: [] as RecordedClose[],
    problems: [] as string[],
  };

  function openConnection(req: IncomingMessage, res: ServerResponse): void {
    // The body (empty from the SDK) is read and ignored: the token only counts in the header.
    req.resume();
    req.on("end", () => {
      const token = bearer(req.headers.authorization);
      const answer = (body: Record<string, unknown>) => {
        double.opens.push({
          token,
          ok: body.ok === true,
          error: typeof body.error === "string" ? body.error : undefined,
          url: typeof body.url === "string" ? body.url : undefined,
          time: Date.now(),
        });
        res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(body));
      };
      // Errors from the method's docs (insecure_request: not a POST); a bot or user token in place of
      // the app-level one answers not_allowed_token_type, Slack's error for a wrong kind of token.
      if (req.method !== "POST") return answer({ ok: false, error: "insecure_request" });
      if (!token) return answer({ ok: false, error: "not_authed" });
      if (!token.startsWith("xapp-")) return answer({ ok: false, error: "not_allowed_token_type" });
      if (token !== appToken) return answer({ ok: false, error: "invalid_auth" });
      const ticket = randomUUID();
      tickets.add(ticket);
      answer({ ok: true, url: `ws://${base}/link/?ticket=${ticket}&app_id=${appId}` });
    });
  }

  function passThrough(req: IncomingMessage, res: ServerResponse): void {
    const upstream = request(
      {
        host: webUrl.hostname,
        port: webUrl.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: webUrl.host },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`socket mode double: the Web API double failed: ${String(error)}`);
    });
    req.pipe(upstream);
  }

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://double.invalid").pathname;
    if (path === "/api/apps.connections.open") openConnection(req, res);
    else passThrough(req, res);
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://double.invalid");
    const ticket = url.searchParams.get("ticket") ?? "";
    const key = req.headers["sec-websocket-key"];
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (url.pathname !== "/link/" || typeof key !== "string") return refuse("404 Not Found");
    if (req.headers["sec-websocket-version"] !== "13") return refuse("426 Upgrade Required");
    // Each URL from apps.connections.open is for one connection: here a ticket works once.
    if (!tickets.delete(ticket)) return refuse("401 Unauthorized");
    const accept = createHash("sha1").update(`${key}${WS_GUID}`).digest("base64");
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    opened += 1;
    const connection = attach(socket, opened);
    live.add(connection);
    connection.send({
      type: "hello",
      num_connections: [...live].filter((c) => c.open).length,
      debug_info: {
        host: `applink-double-${connection.id}`,
        build_number: 1,
        approximate_connection_time: 18_060,
      },
      connection_info: { app_id: appId },
    });
    if (head.length > 0) socket.unshift(head);
  });

  /** Frames in and out of one upgraded socket. */
  function attach(socket: Duplex, id: number): Connection {
    let buffered = Buffer.alloc(0);
    let fragments: Buffer[] = [];
    let fragmentOpcode = 0;
    const connection: Connection = {
      id,
      socket,
      open: true,
      closeSent: false,
      send(message: object) {
        if (!connection.open || connection.closeSent) throw new Error(`connection ${id} is closed`);
        socket.write(frame(0x1, Buffer.from(JSON.stringify(message), "utf8")));
      },
      closeWith(code: number, reason = "") {
        if (connection.closeSent || socket.destroyed) return;
        connection.closeSent = true;
        const body = Buffer.alloc(2 + Buffer.byteLength(reason));
        body.writeUInt16BE(code, 0);
        body.write(reason, 2);
        socket.write(frame(0x8, body));
      },
    };
    const finish = () => {
      connection.open = false;
      live.delete(connection);
    };
    socket.on("close", finish);
    socket.on("error", finish);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const parsed = readFrame(buffered);
        if (parsed === "incomplete") return;
        if (parsed === "unmasked") {
          double.problems.push(`connection ${id}: a client frame was not masked`);
          connection.closeWith(1002, "unmasked frame");
          socket.end();
          return;
        }
        buffered = buffered.subarray(parsed.length);
        const { fin, opcode, payload } = parsed;
        if (opcode === 0x8) {
          // Close handshake: answer with the same code, then end the TCP connection.
          const code = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
          double.closes.push({
            connection: id,
            by: connection.closeSent ? "server" : "client",
            ...(code !== undefined ? { code } : {}),
          });
          connection.closeWith(code ?? 1000);
          connection.open = false;
          live.delete(connection);
          socket.end();
          return;
        }
        if (opcode === 0x9) {
          pings += 1;
          if (!connection.closeSent) socket.write(frame(0xa, payload));
          continue;
        }
        if (opcode === 0xa) continue;
        if (opcode === 0x1 || opcode === 0x2) {
          fragmentOpcode = opcode;
          fragments = [payload];
        } else if (opcode === 0x0) {
          fragments.push(payload);
        } else {
          double.problems.push(`connection ${id}: unknown opcode ${opcode}`);
          continue;
        }
        if (!fin) continue;
        const message = Buffer.concat(fragments);
        fragments = [];
        if (fragmentOpcode === 0x2) {
          double.problems.push(`connection ${id}: a binary message`);
          continue;
        }
        onMessage(connection, message.toString("utf8"));
      }
    });
    return connection;
  }

  function onMessage(connection: Connection, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      double.problems.push(`connection ${connection.id}: not JSON: ${text.slice(0, 200)}`);
      return;
    }
    const envelopeId = (message as { envelope_id?: unknown }).envelope_id;
    if (typeof envelopeId !== "string") {
      double.problems.push(
        `connection ${connection.id}: a message without envelope_id: ${text.slice(0, 200)}`,
      );
      return;
    }
    const started = sentAt.get(envelopeId);
    if (started === undefined) {
      double.problems.push(`ack of an unknown envelope ${envelopeId}`);
      return;
    }
    if (double.acks.some((a) => a.envelope_id === envelopeId)) {
      double.problems.push(`envelope ${envelopeId} acked twice`);
      return;
    }
    const payload = (message as { payload?: unknown }).payload;
    const at = Date.now();
    const ack: RecordedAck = {
      envelope_id: envelopeId,
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
      afterMs: at - started,
      at,
      connection: connection.id,
    };
    if (ack.afterMs > ACK_DEADLINE_MS) {
      double.problems.push(
        `envelope ${envelopeId} acked after ${ack.afterMs} ms (Slack waits ${ACK_DEADLINE_MS})`,
      );
    }
    double.acks.push(ack);
    for (const resolve of ackWaiters.get(envelopeId) ?? []) resolve(ack);
    ackWaiters.delete(envelopeId);
  }

  function deliver(envelope: SocketModeEnvelope): string {
    // Slack may use any open connection; the newest one is as good as any.
    const target = [...live].filter((c) => c.open && !c.closeSent).at(-1);
    if (!target) throw new Error("no open Socket Mode connection to deliver to");
    sentAt.set(envelope.envelope_id, Date.now());
    double.sent.push(envelope);
    target.send(envelope);
    return envelope.envelope_id;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  double.url = `http://${base}/api/`;

  // A literal, not Object.assign: the counters are getters (Object.assign would copy their values).
  return {
    ...double,
    get connections() {
      return [...live].filter((c) => c.open).length;
    },
    get connectionsOpened() {
      return opened;
    },
    get pingsReceived() {
      return pings;
    },
    sendEvent(body: EnvelopedEvent<unknown>, o: { retryAttempt?: number; retryReason?: string } = {}) {
      return deliver({
        envelope_id: randomUUID(),
        payload: body,
        type: "events_api",
        accepts_response_payload: false,
        retry_attempt: o.retryAttempt ?? 0,
        retry_reason: o.retryReason ?? "",
      });
    },
    sendSlashCommand(command: SlashCommand) {
      return deliver({
        envelope_id: randomUUID(),
        payload: command,
        type: "slash_commands",
        accepts_response_payload: true,
      });
    },
    sendInteractive(payload: BlockAction | Record<string, unknown>) {
      return deliver({
        envelope_id: randomUUID(),
        payload,
        type: "interactive",
        accepts_response_payload: true,
      });
    },
    redeliver(envelopeId: string, reason = "timeout") {
      const earlier = double.sent.find((e) => e.envelope_id === envelopeId);
      if (earlier?.type !== "events_api") throw new Error(`no events_api envelope ${envelopeId} was sent`);
      return deliver({
        ...earlier,
        envelope_id: randomUUID(),
        retry_attempt: (earlier.retry_attempt ?? 0) + 1,
        retry_reason: reason,
      });
    },
    disconnect(reason: "warning" | "refresh_requested" | "link_disabled" = "refresh_requested") {
      for (const connection of live) {
        if (!connection.open || connection.closeSent) continue;
        connection.send({
          type: "disconnect",
          reason,
          debug_info: { host: `applink-double-${connection.id}` },
        });
      }
    },
    waitForAck(envelopeId: string, timeoutMs = ACK_DEADLINE_MS) {
      const known = double.acks.find((a) => a.envelope_id === envelopeId);
      if (known) return Promise.resolve(known);
      return new Promise<RecordedAck>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ack for envelope ${envelopeId} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const waiters = ackWaiters.get(envelopeId) ?? [];
        waiters.push((ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
        ackWaiters.set(envelopeId, waiters);
      });
    },
    reset() {
      double.opens.length = 0;
      double.sent.length = 0;
      double.acks.length = 0;
      double.closes.length = 0;
      double.problems.length = 0;
      sentAt.clear();
    },
    async close() {
      for (const connection of live) connection.closeWith(1001, "going away");
      for (const connection of live) connection.socket.destroy();
      live.clear();
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

/** A server frame: final, unmasked. */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([0x80 | opcode, length]);
  } else if (length < 0x10000) {
    header = Buffer.alloc(4);
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  header[0] = 0x80 | opcode;
  return Buffer.concat([header, payload]);
}

/** One client frame from the front of `data` (clients must mask every frame). */
function readFrame(
  data: Buffer,
): { fin: boolean; opcode: number; payload: Buffer; length: number } | "incomplete" | "unmasked" {
  if (data.length < 2) return "incomplete";
  const first = data.readUInt8(0);
  const second = data.readUInt8(1);
  if ((second & 0x80) === 0) return "unmasked";
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return "incomplete";
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return "incomplete";
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  if (data.length < offset + 4 + length) return "incomplete";
  const mask = data.subarray(offset, offset + 4);
  const payload = Buffer.from(data.subarray(offset + 4, offset + 4 + length));
  for (let i = 0; i < payload.length; i += 1) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload, length: offset + 4 + length };
}
