// Bot Framework authentication of the real Teams adapter, as a Teams admin configures it:
// MicrosoftAppId / MicrosoftAppPassword / MicrosoftAppType / MicrosoftAppTenantId in the environment,
// the identity endpoints pointed at the offline auth double. Inbound: only a valid Bot Connector token
// gets an answer, anything else is a 401 before any work starts. Outbound: every call to the
// Connector carries a bearer token Entra ID (the double) granted for the bot's own app id.
//
// Caveats of the auth double honoured here: one app id per double (botbuilder caches outbound tokens
// per app id for the whole process), and the UserAssignedMSI case last (msal-node picks its managed
// identity source once per process, from IDENTITY_ENDPOINT / IDENTITY_HEADER).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { REDACTED, scrub } from "../../../src/redact.js";
import {
  applyEnvironment,
  BOT_FRAMEWORK_SCOPE,
  BOT_FRAMEWORK_TENANT_ID,
  type BotAppType,
  type BotFrameworkAuthDouble,
  managedIdentityEnvironment,
  startBotFrameworkAuthDouble,
  TEAMS_CHANNEL_ID,
} from "../../doubles/botframework-auth/index.js";
import { personalConversationId, personalMessage } from "../../doubles/teams/activities.js";
import {
  adminEnvironment,
  captureLogs,
  identityEndpoints,
  startTeamsHarness,
  type TeamsHarness,
} from "./harness.js";

// botbuilder tolerates 5 minutes of clock skew; past that a token is expired.
const EXPIRED_BEYOND_SKEW_S = -(5 * 60 + 60);
const AUTH_OFF_WARNING = "TEAMS AUTHENTICATION IS OFF";

// ---------------------------------------------------------------------------------------------
// The Connector double records only whether an Authorization header came; this pass-through in
// front of it records the header itself. Activities name it as their serviceUrl.

interface ConnectorRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

interface RecordingProxy {
  /** serviceUrl for activities and channel tokens: the Connector double's, on the proxy's port. */
  url: string;
  requests: ConnectorRequest[];
  close(): Promise<void>;
}

async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const targetUrl = new URL(target);
  const requests: ConnectorRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({
      method: req.method ?? "",
      path: req.url ?? "",
      authorization: req.headers.authorization,
    });
    const upstream = request(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: targetUrl.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  const port = await new Promise<number>((resolveListen) =>
    server.listen(0, "127.0.0.1", () => resolveListen((server.address() as AddressInfo).port)),
  );
  return {
    url: `http://127.0.0.1:${port}${targetUrl.pathname}`,
    requests,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

// ---------------------------------------------------------------------------------------------

interface AuthenticatedBot {
  double: BotFrameworkAuthDouble;
  h: TeamsHarness;
  proxy: RecordingProxy;
  logs: Array<Record<string, unknown>>;
  /** A message in a new personal chat, to the proxy's serviceUrl. */
  message(text: string): ReturnType<typeof personalMessage>;
  close(): Promise<void>;
}

async function startAuthenticatedBot(
  appType: BotAppType,
  options: {
    endorsements?: readonly string[];
    /** Process environment the bot's host provides (set before the bot starts, as on App Service). */
    hostEnvironment?: (double: BotFrameworkAuthDouble) => Record<string, string>;
  } = {},
): Promise<AuthenticatedBot> {
  const double = await startBotFrameworkAuthDouble({
    appId: randomUUID(),
    appType,
    tenantId: randomUUID(),
    endorsements: options.endorsements,
  });
  const restoreEnvironment = options.hostEnvironment
    ? applyEnvironment(options.hostEnvironment(double))
    : () => {};
  const { logger, lines } = captureLogs();
  const h = await startTeamsHarness({
    env: adminEnvironment(double),
    authOverrides: identityEndpoints(double),
    logger,
  });
  // The start-up check got the outbound token (and left it in botbuilder's cache for the replies).
  await h.ready;
  const proxy = await startRecordingProxy(h.connector.url);
  const base = { ...h.base, serviceUrl: proxy.url };
  return {
    double,
    h,
    proxy,
    logs: lines,
    message: (text) => personalMessage(base, { text, conversationId: personalConversationId() }),
    async close() {
      await h.close();
      await proxy.close();
      await double.close();
      restoreEnvironment();
    },
  };
}

const bearer = (token: string) => `Bearer ${token}`;

/**
 * The user sees the streamed answer, and every call the bot made to the Connector carried one
 * bearer token that the double granted for the bot's app id and the Bot Framework audience.
 */
async function assertAnsweredWithGrantedToken(bot: AuthenticatedBot, question: string, answer: string) {
  const { double, h, proxy } = bot;
  h.llm.script({ kind: "stream", pieces: answer.split(/(?<= )/), delayMs: 10 });
  const activity = bot.message(question);
  const token = double.issueChannelToken({ serviceUrl: proxy.url });
  const res = await h.post(activity, { authorization: bearer(token) });
  assert.equal(res.status, 200);
  await h.settled();

  const shown = h.connector.visible(activity.conversation.id);
  assert.equal(shown.length, 1);
  assert.equal(shown[0]?.text, answer);
  assert.equal(shown[0]?.aiGenerated, true);
  assert.deepEqual(h.connector.violations, []);

  assert.ok(proxy.requests.length > 1, "streamed: several Connector calls");
  assert.ok(h.connector.calls.every((call) => call.authorized));
  const authorizations = new Set(proxy.requests.map((r) => r.authorization));
  assert.equal(authorizations.size, 1, "one cached token for the whole answer");
  const [authorization = ""] = authorizations;
  assert.match(authorization, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  const outbound = authorization.slice("Bearer ".length);
  const granted = double.issued.find((issued) => issued.accessToken === outbound);
  assert.ok(granted, "the token was granted by the auth double");
  assert.equal(granted.appId, double.appId);
  const check = double.verifyAccessToken(outbound);
  assert.ok(check.valid, `the Connector accepts it (${check.valid ? "" : check.reason})`);
  assert.equal(check.claims.appid, double.appId);
  assert.equal(check.claims.aud, BOT_FRAMEWORK_SCOPE);
  const logged = JSON.stringify(bot.logs);
  assert.ok(!logged.includes(outbound), "the outbound token is not logged");
  if (double.password) assert.ok(!logged.includes(double.password), "the client secret is not logged");
  return check.claims;
}

function startedLog(logs: Array<Record<string, unknown>>) {
  return logs.find((line) => line.msg === "Teams adapter started");
}

// ---------------------------------------------------------------------------------------------

describe("Teams auth: MultiTenant", { timeout: 30_000 }, () => {
  let bot: AuthenticatedBot;
  before(async () => {
    // Only msteams endorsed, so a token for another channel can be refused too.
    bot = await startAuthenticatedBot("MultiTenant", { endorsements: [TEAMS_CHANNEL_ID] });
  });
  after(() => bot.close());
  beforeEach(() => {
    bot.h.connector.reset();
    bot.h.llm.reset();
    bot.proxy.requests.length = 0;
  });

  it("logs that authentication is on, without the off warning", () => {
    assert.equal(startedLog(bot.logs)?.auth, "MultiTenant");
    assert.ok(!bot.logs.some((line) => String(line.msg).includes(AUTH_OFF_WARNING)));
  });

  it("answers a Connector-signed activity and replies with a token granted for its app id", async () => {
    const claims = await assertAnsweredWithGrantedToken(bot, "hello?", "Hello from a multi-tenant bot.");
    // MultiTenant bots get their token in the botframework.com tenant.
    assert.equal(claims.tid, BOT_FRAMEWORK_TENANT_ID);
    const grant = bot.double.requests.find((r) => r.route === "token");
    assert.equal(grant?.path, "/botframework.com/oauth2/v2.0/token");
    assert.equal(grant?.form?.client_id, bot.double.appId);
    assert.equal(grant?.form?.client_secret, bot.double.password);
  });

  // `reason`: botbuilder's own words (4.23.3), logged with the refusal, so each case is refused for
  // the intended check and not by accident.
  const rejections: Array<{
    name: string;
    authorization: (double: BotFrameworkAuthDouble, serviceUrl: string) => string | undefined;
    reason: RegExp;
    channelId?: string;
  }> = [
    { name: "no Authorization header", authorization: () => undefined, reason: /not authorized/ },
    {
      name: "a Bearer header that is not a JWT",
      authorization: () => "Bearer not-a-token",
      reason: /No valid identity/,
    },
    {
      name: "a token without the Bearer scheme",
      authorization: (double, serviceUrl) => double.issueChannelToken({ serviceUrl }),
      reason: /No valid identity/,
    },
    {
      // jsonwebtoken's JsonWebTokenError: handleHttp maps it to 401 (CloudAdapter.process gives 500).
      name: "a token signed by another key under the published kid",
      authorization: (double, serviceUrl) =>
        bearer(double.issueChannelToken({ serviceUrl, signWith: "unpublished" })),
      reason: /^invalid signature$/,
    },
    {
      name: "a token signed by a key the JWKS does not publish",
      authorization: (double, serviceUrl) =>
        bearer(double.issueChannelToken({ serviceUrl, signWith: "unpublished", kid: "not-published" })),
      reason: /Signing Key could not be retrieved/,
    },
    {
      name: "an expired token",
      authorization: (double, serviceUrl) =>
        bearer(double.issueChannelToken({ serviceUrl, expiresInS: EXPIRED_BEYOND_SKEW_S })),
      reason: /expired/,
    },
    {
      name: "a token not valid yet",
      authorization: (double, serviceUrl) =>
        bearer(
          double.issueChannelToken({
            serviceUrl,
            notBefore: Math.floor(Date.now() / 1000) + 60 * 60,
            expiresInS: 2 * 60 * 60,
          }),
        ),
      reason: /jwt not active/,
    },
    {
      name: "a token for another bot (wrong audience)",
      authorization: (double, serviceUrl) =>
        bearer(double.issueChannelToken({ serviceUrl, audience: randomUUID() })),
      reason: /Invalid AppId passed on token/,
    },
    {
      name: "a token from another issuer",
      authorization: (double, serviceUrl) =>
        bearer(double.issueChannelToken({ serviceUrl, issuer: "https://sts.windows.net/evil/" })),
      reason: /No valid identity/,
    },
    {
      name: "a serviceurl claim that does not match the activity",
      authorization: (double) =>
        bearer(double.issueChannelToken({ serviceUrl: "https://smba.trafficmanager.net/amer/" })),
      reason: /ServiceUrl claim do not match/,
    },
    {
      name: "a channel the signing key does not endorse",
      authorization: (double, serviceUrl) => bearer(double.issueChannelToken({ serviceUrl })),
      reason: /Could not validate endorsement/,
      channelId: "webchat",
    },
  ];

  for (const rejection of rejections) {
    it(`${rejection.name}: 401, and nothing runs`, async (t) => {
      t.mock.method(console, "error", () => {}); // botframework-connector prints some refusals
      const { double, h, proxy } = bot;
      const logStart = bot.logs.length;
      const issuedBefore = double.issued.length;
      const activity = bot.message(rejection.name);
      if (rejection.channelId) (activity as { channelId: string }).channelId = rejection.channelId;
      const authorization = rejection.authorization(double, proxy.url);
      const res = await h.post(activity, authorization === undefined ? {} : { authorization });
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { error: "unauthorized" });
      await h.settled();
      assert.equal(h.llm.requests.length, 0, "no LLM request");
      assert.deepEqual(h.connector.calls, [], "no Connector call");
      assert.deepEqual(proxy.requests, []);
      assert.equal(double.issued.length, issuedBefore, "no outbound token asked for");

      const logged = bot.logs.slice(logStart);
      const refusal = logged.find((line) => line.msg === "refused an unauthenticated Teams request");
      assert.equal(refusal?.level, "warn");
      assert.match(String(refusal?.reason), rejection.reason);
      assert.ok(!logged.some((line) => line.level === "error"), "a refusal is not an internal error");
      const token = authorization?.replace(/^Bearer /, "");
      if (token) assert.ok(!JSON.stringify(logged).includes(token), "the token is not logged");
    });
  }

  it("registers the client secret for redaction, like every other configured secret", () => {
    const secret = bot.double.password;
    assert.equal(scrub(`client_secret=${secret}`), `client_secret=${REDACTED}`);
  });

  it("after the refusals, a valid activity is still answered", async () => {
    await assertAnsweredWithGrantedToken(bot, "still there?", "Yes.");
  });
});

describe("Teams auth: SingleTenant", { timeout: 30_000 }, () => {
  let bot: AuthenticatedBot;
  before(async () => {
    bot = await startAuthenticatedBot("SingleTenant");
  });
  after(() => bot.close());

  it("answers a Connector-signed activity with a token from the bot's own tenant", async () => {
    assert.equal(startedLog(bot.logs)?.auth, "SingleTenant");
    const claims = await assertAnsweredWithGrantedToken(bot, "hi", "Hello from a single-tenant bot.");
    assert.equal(claims.tid, bot.double.tenantId);
    const grant = bot.double.requests.find((r) => r.route === "token");
    assert.equal(grant?.path, `/${bot.double.tenantId.toLowerCase()}/oauth2/v2.0/token`);
    assert.equal(grant?.form?.client_id, bot.double.appId);
  });

  it("refuses an activity without a token", async () => {
    bot.h.connector.reset();
    bot.h.llm.reset();
    const res = await bot.h.post(bot.message("anyone?"));
    assert.equal(res.status, 401);
    await bot.h.settled();
    assert.equal(bot.h.llm.requests.length, 0);
    assert.deepEqual(bot.h.connector.calls, []);
  });
});

describe("Teams auth: off (TEAMS_ENABLED=true without MicrosoftAppId)", { timeout: 30_000 }, () => {
  let h: TeamsHarness;
  let logs: Array<Record<string, unknown>>;
  before(async () => {
    const captured = captureLogs();
    logs = captured.lines;
    h = await startTeamsHarness({ env: { TEAMS_ENABLED: "true" }, logger: captured.logger });
  });
  after(() => h.close());

  it("warns loudly at start that anyone can call /api/messages", () => {
    const warning = logs.find((line) => String(line.msg).includes(AUTH_OFF_WARNING));
    assert.ok(warning, "the warning is logged");
    assert.equal(warning.level, "warn");
    assert.match(String(warning.msg), /MicrosoftAppId/);
    assert.equal(startedLog(logs)?.auth, "off");
  });

  it("has no credentials to check at start: ready at once, and /readyz does not mention Teams", async () => {
    await h.ready;
    const readyz = await h.readyz();
    assert.ok(!JSON.stringify(readyz.problems).includes("teams"), JSON.stringify(readyz.problems));
  });

  it("processes an unauthenticated request, and calls the Connector without a token", async () => {
    h.llm.script({ kind: "stream", pieces: ["Open ", "door."] });
    const activity = personalMessage(h.base, { text: "who am I?" });
    const res = await h.post(activity);
    assert.equal(res.status, 200);
    await h.settled();
    assert.equal(h.connector.visible(activity.conversation.id)[0]?.text, "Open door.");
    assert.ok(h.connector.calls.length > 0);
    assert.ok(h.connector.calls.every((call) => !call.authorized));
  });
});

// Last: msal-node picks the managed identity source once per process.
describe("Teams auth: UserAssignedMSI", { timeout: 30_000 }, () => {
  let bot: AuthenticatedBot;
  before(async () => {
    // The start-up check asks for the token at once: IDENTITY_ENDPOINT must be there before.
    bot = await startAuthenticatedBot("UserAssignedMSI", { hostEnvironment: managedIdentityEnvironment });
  });
  after(() => bot.close());

  it("answers with a managed identity token from the App Service endpoint", async () => {
    assert.equal(startedLog(bot.logs)?.auth, "UserAssignedMSI");
    const claims = await assertAnsweredWithGrantedToken(bot, "msi?", "Hello from a managed identity.");
    assert.equal(claims.tid, bot.double.tenantId);
    assert.equal(bot.double.issued[0]?.grant, "managed_identity");
    const msi = bot.double.requests.find((r) => r.route === "msi-token");
    assert.equal(msi?.query.client_id, bot.double.appId);
    assert.equal(msi?.query.resource, BOT_FRAMEWORK_SCOPE);
    assert.ok(!bot.double.requests.some((r) => r.route === "token"), "no client secret grant");
  });
});
