// The Bot Framework auth double driven by a real CloudAdapter with real JWT validation: inbound
// tokens checked against the double's OpenID metadata and JWKS, outbound tokens obtained from its
// Entra ID lookalike (MultiTenant, SingleTenant) or managed identity endpoint (UserAssignedMSI).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import {
  type Activity,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type TurnContext,
} from "botbuilder";
import {
  applyEnvironment,
  BOT_FRAMEWORK_SCOPE,
  BOT_FRAMEWORK_TENANT_ID,
  type BotFrameworkAuthDouble,
  botFrameworkAuthSettings,
  managedIdentityEnvironment,
  startBotFrameworkAuthDouble,
  TEAMS_CHANNEL_ID,
} from "../doubles/botframework-auth/index.js";

// botbuilder tolerates 5 minutes of clock skew; past that a token is expired.
const BOTBUILDER_CLOCK_SKEW_S = 5 * 60;
const EXPIRED_BEYOND_SKEW_S = -(BOTBUILDER_CLOCK_SKEW_S + 60);

// ---------------------------------------------------------------------------------------------
// A serviceUrl stand-in: records what the bot posts and answers like the Connector.

interface ConnectorPost {
  path: string;
  authorization: string | undefined;
  body: Partial<Activity>;
}

interface FakeConnector {
  /** Teams-style serviceUrl with a region path and a trailing slash. */
  serviceUrl: string;
  posts: ConnectorPost[];
  close(): Promise<void>;
}

async function startFakeConnector(): Promise<FakeConnector> {
  const posts: ConnectorPost[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      posts.push({
        path: req.url ?? "",
        authorization: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Partial<Activity>,
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: `reply-${posts.length}` }));
    });
  });
  const port = await listen(server);
  return { serviceUrl: `http://127.0.0.1:${port}/amer/`, posts, close: () => closeServer(server) };
}

// ---------------------------------------------------------------------------------------------
// A bot: a real CloudAdapter behind a minimal HTTP endpoint, echoing every message.

interface TestBot {
  url: string;
  /** Texts of the messages the bot logic saw. */
  seen: string[];
  close(): Promise<void>;
}

async function startBot(adapter: CloudAdapter): Promise<TestBot> {
  const seen: string[] = [];
  const logic = async (context: TurnContext) => {
    seen.push(context.activity.text ?? "");
    await context.sendActivity(`echo: ${context.activity.text ?? ""}`);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      // The express-like surface CloudAdapter.process expects.
      const request = {
        method: req.method,
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString()),
      };
      const response = {
        socket: req.socket,
        status: (code: number) => {
          res.statusCode = code;
        },
        header: (name: string, value: unknown) => res.setHeader(name, String(value)),
        send: (body: unknown) => res.write(typeof body === "string" ? body : JSON.stringify(body)),
        end: () => res.end(),
      };
      adapter.process(request, response, logic).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/api/messages`, seen, close: () => closeServer(server) };
}

function teamsMessage(
  serviceUrl: string,
  appId: string,
  text: string,
  channelId = TEAMS_CHANNEL_ID,
): Partial<Activity> {
  const tenantId = randomUUID();
  return {
    type: "message",
    id: `${Date.now()}`,
    timestamp: new Date(),
    serviceUrl,
    channelId,
    from: { id: "29:1alice", name: "Alice", aadObjectId: randomUUID() },
    conversation: {
      id: "a:1personal-chat",
      conversationType: "personal",
      tenantId,
      isGroup: false,
      name: "",
    },
    recipient: { id: `28:${appId}`, name: "Test bot" },
    text,
    textFormat: "plain",
    locale: "en-US",
    channelData: { tenant: { id: tenantId } },
  };
}

async function post(bot: TestBot, activity: Partial<Activity>, token?: string): Promise<number> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(bot.url, { method: "POST", headers, body: JSON.stringify(activity) });
  await res.arrayBuffer();
  return res.status;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolveListen) =>
    server.listen(0, "127.0.0.1", () => resolveListen((server.address() as AddressInfo).port)),
  );
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolveClose) => server.close(() => resolveClose()));
}

function adapterFor(double: BotFrameworkAuthDouble, overrides: Record<string, string> = {}): CloudAdapter {
  return new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication({ ...botFrameworkAuthSettings(double), ...overrides }),
  );
}

/** The bearer token the bot sent to the Connector, checked against the double that granted it. */
function assertGrantedBy(double: BotFrameworkAuthDouble, authorization: string | undefined) {
  const token = authorization?.replace(/^Bearer /, "") ?? "";
  assert.ok(
    double.issued.some((issued) => issued.accessToken === token),
    "the reply carries a token the double granted",
  );
  const check = double.verifyAccessToken(token);
  assert.ok(check.valid, `the Connector would accept it (${check.valid ? "" : check.reason})`);
  return check.claims;
}

// ---------------------------------------------------------------------------------------------

describe("MultiTenant bot", () => {
  let double: BotFrameworkAuthDouble;
  let connector: FakeConnector;
  let bot: TestBot;
  before(async () => {
    double = await startBotFrameworkAuthDouble({ appId: randomUUID() });
    connector = await startFakeConnector();
    bot = await startBot(adapterFor(double));
  });
  after(async () => {
    await bot.close();
    await connector.close();
    await double.close();
  });

  test("a channel token is accepted and the reply reaches serviceUrl with a token from the double", async () => {
    const token = double.issueChannelToken({ serviceUrl: connector.serviceUrl });
    const status = await post(bot, teamsMessage(connector.serviceUrl, double.appId, "hello"), token);

    assert.equal(status, 200);
    assert.deepEqual(bot.seen, ["hello"]);
    assert.equal(connector.posts.length, 1);
    const [reply] = connector.posts;
    assert.match(reply?.path ?? "", /^\/amer\/v3\/conversations\/a%3A1personal-chat\/activities\/\d+$/);
    assert.equal(reply?.body.text, "echo: hello");
    const claims = assertGrantedBy(double, reply?.authorization);
    assert.equal(claims.aud, BOT_FRAMEWORK_SCOPE);
    // MultiTenant bots get their token in the botframework.com tenant.
    assert.equal(claims.tid, BOT_FRAMEWORK_TENANT_ID);

    // What botbuilder fetched, in order: keys for the inbound check, then MSAL's discovery and grant.
    const routes = double.requests.map((request) => `${request.route} ${request.host.split(":")[0]}`);
    assert.deepEqual(routes, [
      "channel-metadata 127.0.0.1",
      "channel-keys 127.0.0.1",
      "instance-discovery login.microsoftonline.com",
      "tenant-metadata 127.0.0.1",
      "token 127.0.0.1",
    ]);
    const grant = double.requests.find((request) => request.route === "token");
    assert.equal(grant?.path, "/botframework.com/oauth2/v2.0/token");
    assert.equal(grant?.form?.grant_type, "client_credentials");
    assert.equal(grant?.form?.client_id, double.appId);
    assert.equal(grant?.form?.scope, `${BOT_FRAMEWORK_SCOPE}/.default`);
  });

  test("the outbound token is cached: a second turn asks the double for nothing new", async () => {
    double.reset();
    connector.posts.length = 0;
    const token = double.issueChannelToken({ serviceUrl: connector.serviceUrl });
    assert.equal(await post(bot, teamsMessage(connector.serviceUrl, double.appId, "again"), token), 200);
    assert.equal(connector.posts.length, 1);
    assert.deepEqual(double.requests, []);
  });
});

describe("rejected inbound requests", () => {
  let double: BotFrameworkAuthDouble;
  let connector: FakeConnector;
  let bot: TestBot;
  before(async () => {
    double = await startBotFrameworkAuthDouble({ appId: randomUUID(), endorsements: [TEAMS_CHANNEL_ID] });
    connector = await startFakeConnector();
    bot = await startBot(adapterFor(double));
  });
  after(async () => {
    await bot.close();
    await connector.close();
    await double.close();
  });

  const rejections: Array<{
    name: string;
    status: number;
    token?: (serviceUrl: string) => string;
    channelId?: string;
  }> = [
    { name: "no Authorization header", status: 401 },
    {
      name: "a key the JWKS does not publish (unknown kid)",
      status: 401,
      token: (serviceUrl) =>
        double.issueChannelToken({ serviceUrl, signWith: "unpublished", kid: "not-published" }),
    },
    {
      // jsonwebtoken's "invalid signature" is not an AuthenticationError, so CloudAdapter answers
      // 500, not 401 (botbuilder 4.23.3). Still rejected: the logic never runs.
      name: "a forged signature under the published kid",
      status: 500,
      token: (serviceUrl) => double.issueChannelToken({ serviceUrl, signWith: "unpublished" }),
    },
    {
      name: "an expired token",
      status: 401,
      token: (serviceUrl) => double.issueChannelToken({ serviceUrl, expiresInS: EXPIRED_BEYOND_SKEW_S }),
    },
    {
      name: "another bot's audience",
      status: 401,
      token: (serviceUrl) => double.issueChannelToken({ serviceUrl, audience: randomUUID() }),
    },
    {
      name: "a wrong issuer",
      status: 401,
      token: (serviceUrl) =>
        double.issueChannelToken({ serviceUrl, issuer: "https://sts.windows.net/evil/" }),
    },
    {
      name: "a serviceurl claim for another serviceUrl",
      status: 401,
      token: () => double.issueChannelToken({ serviceUrl: "https://smba.trafficmanager.net/amer/" }),
    },
    {
      name: "a channel the signing key does not endorse",
      status: 401,
      token: (serviceUrl) => double.issueChannelToken({ serviceUrl }),
      channelId: "webchat",
    },
  ];

  for (const rejection of rejections) {
    test(`${rejection.name}: ${rejection.status}, the bot logic never runs`, async (t) => {
      t.mock.method(console, "error", () => {}); // CloudAdapter logs every rejection
      const activity = teamsMessage(connector.serviceUrl, double.appId, rejection.name, rejection.channelId);
      const status = await post(bot, activity, rejection.token?.(connector.serviceUrl));
      assert.equal(status, rejection.status);
      assert.deepEqual(bot.seen, []);
      assert.deepEqual(connector.posts, []);
    });
  }

  test("a wrong client secret: the double refuses the grant and no reply is sent", async (t) => {
    t.mock.method(console, "error", () => {});
    // Its own app id: botbuilder caches outbound tokens per app id and scope for the whole process.
    const other = await startBotFrameworkAuthDouble({ appId: randomUUID() });
    const wrongSecretBot = await startBot(adapterFor(other, { MicrosoftAppPassword: "not-the-secret" }));
    try {
      const token = other.issueChannelToken({ serviceUrl: connector.serviceUrl });
      const status = await post(wrongSecretBot, teamsMessage(connector.serviceUrl, other.appId, "hi"), token);
      assert.equal(status, 500);
      assert.deepEqual(wrongSecretBot.seen, ["hi"]);
      assert.deepEqual(connector.posts, []);
      assert.deepEqual(other.issued, []);
      assert.equal(other.requests.find((request) => request.route === "token")?.status, 401);
    } finally {
      await wrongSecretBot.close();
      await other.close();
    }
  });
});

describe("two adapters in one process, each with its own double", () => {
  let multi: BotFrameworkAuthDouble;
  let single: BotFrameworkAuthDouble;
  let connector: FakeConnector;
  let multiBot: TestBot;
  let singleBot: TestBot;
  before(async () => {
    [multi, single] = await Promise.all([
      startBotFrameworkAuthDouble({ appId: randomUUID(), appType: "MultiTenant" }),
      startBotFrameworkAuthDouble({ appId: randomUUID(), appType: "SingleTenant", tenantId: randomUUID() }),
    ]);
    connector = await startFakeConnector();
    [multiBot, singleBot] = await Promise.all([startBot(adapterFor(multi)), startBot(adapterFor(single))]);
  });
  after(async () => {
    await Promise.all([multiBot.close(), singleBot.close(), connector.close()]);
    await Promise.all([multi.close(), single.close()]);
  });

  test("SingleTenant gets its token from its own tenant's login URL", async () => {
    const settings = botFrameworkAuthSettings(single);
    assert.equal(settings.ToChannelFromBotLoginUrl, `${single.url}/${single.tenantId}`);
    const token = single.issueChannelToken({ serviceUrl: connector.serviceUrl });
    assert.equal(
      await post(singleBot, teamsMessage(connector.serviceUrl, single.appId, "single"), token),
      200,
    );

    const reply = connector.posts.find((p) => p.body.text === "echo: single");
    const claims = assertGrantedBy(single, reply?.authorization);
    assert.equal(claims.tid, single.tenantId);
    assert.equal(
      single.requests.find((request) => request.route === "token")?.path,
      `/${single.tenantId}/oauth2/v2.0/token`,
    );
  });

  test("MultiTenant, alongside, uses its own double", async () => {
    const token = multi.issueChannelToken({ serviceUrl: connector.serviceUrl });
    assert.equal(await post(multiBot, teamsMessage(connector.serviceUrl, multi.appId, "multi"), token), 200);
    const reply = connector.posts.find((p) => p.body.text === "echo: multi");
    assertGrantedBy(multi, reply?.authorization);
    assert.equal(single.verifyAccessToken(reply?.authorization?.replace(/^Bearer /, "") ?? "").valid, false);
  });

  test("a token from one double is refused by the other double's adapter", async (t) => {
    t.mock.method(console, "error", () => {});
    // Right audience and serviceUrl, but signed by the other double's key.
    const foreign = multi.issueChannelToken({ serviceUrl: connector.serviceUrl, audience: single.appId });
    assert.equal(
      await post(singleBot, teamsMessage(connector.serviceUrl, single.appId, "foreign"), foreign),
      401,
    );
    assert.ok(!singleBot.seen.includes("foreign"));
  });

  test("a SingleTenant app is not found in the botframework.com tenant", async () => {
    const res = await fetch(`${single.url}/botframework.com/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: single.appId,
        client_secret: single.password,
        scope: `${BOT_FRAMEWORK_SCOPE}/.default`,
      }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, "unauthorized_client");
  });
});

describe("UserAssignedMSI bot", () => {
  let double: BotFrameworkAuthDouble;
  let connector: FakeConnector;
  let bot: TestBot;
  let restoreEnvironment: () => void;
  before(async () => {
    double = await startBotFrameworkAuthDouble({
      appId: randomUUID(),
      appType: "UserAssignedMSI",
      tenantId: randomUUID(),
    });
    restoreEnvironment = applyEnvironment(managedIdentityEnvironment(double));
    connector = await startFakeConnector();
    bot = await startBot(adapterFor(double));
  });
  after(async () => {
    restoreEnvironment();
    await bot.close();
    await connector.close();
    await double.close();
  });

  test("the reply carries a managed identity token from the App Service endpoint", async () => {
    const token = double.issueChannelToken({ serviceUrl: connector.serviceUrl });
    assert.equal(await post(bot, teamsMessage(connector.serviceUrl, double.appId, "msi"), token), 200);
    const claims = assertGrantedBy(double, connector.posts[0]?.authorization);
    assert.equal(claims.tid, double.tenantId);
    assert.equal(double.issued[0]?.grant, "managed_identity");
    const msi = double.requests.find((request) => request.route === "msi-token");
    assert.equal(msi?.listener, "http");
    assert.equal(msi?.query.client_id, double.appId);
    assert.equal(msi?.query.resource, BOT_FRAMEWORK_SCOPE);
    // No MSAL authority discovery and no client secret grant for a managed identity.
    assert.deepEqual(
      double.requests.filter((request) =>
        ["instance-discovery", "tenant-metadata", "token"].includes(request.route),
      ),
      [],
    );
  });
});
