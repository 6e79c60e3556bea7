// A minimal bot for end-to-end tests of the double: node:http in front of botbuilder's CloudAdapter
// with auth off. It echoes messages, answers feedback invokes with 200 and records every activity.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Activity, Request, Response, TurnContext } from "botbuilder";
import { authDisabledAdapter } from "../doubles/teams/botbuilder-client.js";

export interface EchoBot {
  /** The bot's messaging endpoint (…/api/messages). */
  url: string;
  received: Activity[];
  close(): Promise<void>;
}

export async function startEchoBot(): Promise<EchoBot> {
  const adapter = authDisabledAdapter();
  const received: Activity[] = [];
  const logic = async (context: TurnContext) => {
    const activity = context.activity;
    received.push(activity);
    if (activity.type === "message") {
      const said = activity.text ?? (activity.value ? JSON.stringify(activity.value) : "(attachments)");
      await context.sendActivity(`echo: ${said}`);
    } else if (activity.type === "invoke" && activity.name === "message/submitAction") {
      await context.sendActivity({ type: "invokeResponse", value: { status: 200, body: {} } });
    }
  };

  const server = createServer((req, res) => {
    readJson(req).then(
      (body) => {
        const request = { method: req.method, headers: req.headers, body } as Request;
        const response: Response = {
          socket: res.socket,
          status: (code: number) => {
            res.statusCode = code;
          },
          header: (name: string, value: unknown) => res.setHeader(name, String(value)),
          send: (payload: unknown) => {
            if (payload === undefined) return;
            if (!res.hasHeader("content-type")) res.setHeader("content-type", "application/json");
            res.write(typeof payload === "string" ? payload : JSON.stringify(payload));
          },
          end: () => res.end(),
        };
        return adapter.process(request, response, logic);
      },
      () => {
        res.statusCode = 400;
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch (error) {
        reject(error);
      }
    });
    req.on("error", reject);
  });
}
