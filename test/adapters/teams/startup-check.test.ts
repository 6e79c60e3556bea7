// The Teams adapter's start-up check of its Bot Framework credentials, against the offline auth
// double: a definite "no" from Entra ID rejects `ready` with a StartupRefusedError naming the
// variable to fix (the AADSTS code in the message, never the secret); a login endpoint that does
// not answer is asked again while /readyz says "teams: …; retrying", until it answers; activities
// are handled meanwhile.
//
// Caveats of the auth double honoured here: one app id per double (botbuilder caches outbound
// tokens per app id for the whole process: each bot below has its own app id).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer as createHttpsServer, request as httpsRequest } from "node:https";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { StartupRefusedError } from "../../../src/dependencies.js";
import {
  type BotFrameworkAuthDouble,
  startBotFrameworkAuthDouble,
} from "../../doubles/botframework-auth/index.js";
import { doubleTlsIdentity } from "../../doubles/botframework-auth/process-hooks.js";
import { personalConversationId, personalMessage } from "../../doubles/teams/activities.js";
import {
  adminEnvironment,
  captureLogs,
  identityEndpoints,
  startTeamsHarness,
  type TeamsHarness,
} from "./harness.js";

const LOOPBACK = "127.0.0.1";

/** Resolves when `check` holds, polling; fails after `timeoutMs`. */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether a promise has settled yet, without waiting for it. */
function settledFlag(promise: Promise<unknown>): () => boolean {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return () => settled;
}

/** A loopback port nothing listens on (until a test listens on it). */
async function unusedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * An HTTPS front of the double's Entra ID routes: answers 503 while `failing`, else passes the
 * request on (keeping the Host header, so the token endpoint the metadata names is the front too).
 */
interface LoginFront {
  failing: boolean;
  readonly requests: number;
  listen(port?: number): Promise<number>;
  close(): Promise<void>;
}

async function loginFront(
  double: BotFrameworkAuthDouble,
  options: { failing: boolean },
): Promise<LoginFront> {
  const target = new URL(double.url);
  const identity = await doubleTlsIdentity();
  let requests = 0;
  const front = {
    failing: options.failing,
    get requests() {
      return requests;
    },
    listen: (port = 0) =>
      new Promise<number>((resolve) =>
        server.listen(port, LOOPBACK, () => resolve((server.address() as AddressInfo).port)),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createHttpsServer({ key: identity.keyPem, cert: identity.certPem }, (req, res) => {
    requests++;
    if (front.failing) {
      req.resume();
      res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable");
      return;
    }
    const upstream = httpsRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return front;
}

// ---------------------------------------------------------------------------------------------

describe("Teams start-up check: credentials Entra ID refuses", { timeout: 30_000 }, () => {
  let double: BotFrameworkAuthDouble;
  const bots: TeamsHarness[] = [];
  before(async () => {
    double = await startBotFrameworkAuthDouble({ appId: randomUUID(), appType: "SingleTenant" });
  });
  after(async () => {
    await Promise.all(bots.map((h) => h.close()));
    await double.close();
  });

  async function startBot(env: Record<string, string>, overrides: Record<string, string | boolean> = {}) {
    const { logger, lines } = captureLogs();
    const h = await startTeamsHarness({
      env: { ...adminEnvironment(double), ...env },
      authOverrides: { ...identityEndpoints(double), ...overrides },
      logger,
    });
    bots.push(h);
    return { h, logs: lines };
  }

  /** `ready` rejects with the refusal; /readyz says so; the secrets appear nowhere. */
  async function assertRefused(
    bot: { h: TeamsHarness; logs: Array<Record<string, unknown>> },
    expected: { variable: string; code: string; secrets: string[] },
  ): Promise<StartupRefusedError> {
    let refusal: StartupRefusedError | undefined;
    await assert.rejects(bot.h.ready, (err: unknown) => {
      assert.ok(err instanceof StartupRefusedError, `a StartupRefusedError, not ${String(err)}`);
      refusal = err;
      return true;
    });
    assert.ok(refusal);
    assert.equal(refusal.variable, expected.variable);
    assert.match(refusal.message, new RegExp(`\\bAADSTS${expected.code}\\b`));
    assert.match(refusal.message, /Fix: /, "says how to fix it");
    const readyz = await bot.h.readyz();
    assert.equal(readyz.status, 503);
    assert.match(
      String(readyz.problems.dependencies),
      new RegExp(`teams: refused: .*AADSTS${expected.code}`),
    );
    const everything = [refusal.message, JSON.stringify(readyz), JSON.stringify(bot.logs)].join("\n");
    for (const secret of expected.secrets) assert.ok(!everything.includes(secret), "the secret is not shown");
    return refusal;
  }

  it("a wrong MicrosoftAppPassword: refused at once (AADSTS7000215), not retried", async () => {
    const wrongSecret = `wrong-${randomUUID()}`;
    const bot = await startBot({ MicrosoftAppPassword: wrongSecret });
    const refusal = await assertRefused(bot, {
      variable: "MicrosoftAppPassword",
      code: "7000215",
      secrets: [wrongSecret, double.password],
    });
    assert.match(refusal.message, /client secret/i);
    const grants = double.requests.filter((r) => r.route === "token" && r.form?.client_id === double.appId);
    assert.equal(grants.length, 1, "one token request: a refusal is not asked again");
    assert.equal(grants[0]?.status, 401);
    assert.ok(
      !bot.logs.some((line) => line.msg === "dependency does not answer; retrying"),
      "no retry was logged",
    );
  });

  it("an app id Entra ID does not know: MicrosoftAppId (AADSTS700016)", async () => {
    const bot = await startBot({ MicrosoftAppId: randomUUID() });
    await assertRefused(bot, { variable: "MicrosoftAppId", code: "700016", secrets: [double.password] });
  });

  it("a tenant Entra ID does not know: MicrosoftAppTenantId (AADSTS90002)", async () => {
    // SingleTenant: botbuilder asks for the token in MicrosoftAppTenantId's tenant.
    const unknownTenant = randomUUID();
    const bot = await startBot(
      { MicrosoftAppTenantId: unknownTenant },
      { ToChannelFromBotLoginUrl: `${double.url}/${unknownTenant}` },
    );
    const refusal = await assertRefused(bot, {
      variable: "MicrosoftAppTenantId",
      code: "90002",
      secrets: [double.password],
    });
    assert.match(refusal.message, /tenant/i);
  });
});

describe("Teams start-up check: a login endpoint that does not answer at first", { timeout: 30_000 }, () => {
  // One double (so one app id) per test.
  let double: BotFrameworkAuthDouble;
  beforeEach(async () => {
    double = await startBotFrameworkAuthDouble({ appId: randomUUID(), appType: "SingleTenant" });
  });
  afterEach(() => double.close());

  /** A bot whose login URL is `https://127.0.0.1:{port}/{tenant}` (the front, or nothing). */
  async function startBot(port: number) {
    const { logger, lines } = captureLogs();
    const h = await startTeamsHarness({
      env: adminEnvironment(double),
      authOverrides: {
        ...identityEndpoints(double),
        ToChannelFromBotLoginUrl: `https://${LOOPBACK}:${port}/${double.tenantId.toLowerCase()}`,
      },
      logger,
    });
    return { h, logs: lines };
  }

  const retried = (lines: Array<Record<string, unknown>>) =>
    lines.filter(
      (line) => line.msg === "dependency does not answer; retrying" && line.dependency === "teams",
    );

  async function assertReadyByItself(h: TeamsHarness, lines: Array<Record<string, unknown>>) {
    await h.ready;
    const readyz = await h.readyz();
    assert.ok(!String(readyz.problems.dependencies ?? "").includes("teams"), JSON.stringify(readyz));
    assert.ok(lines.some((line) => line.msg === "dependency answers now" && line.dependency === "teams"));
    assert.ok(lines.some((line) => line.msg === "Microsoft Entra ID granted the Bot Framework token"));
    assert.equal(double.issued.at(-1)?.appId, double.appId);
    assert.ok(!JSON.stringify(lines).includes(double.password), "the secret is not logged");
  }

  it("closed port: /readyz says teams is retrying, activities are answered, then ready by itself", async () => {
    const port = await unusedPort();
    const front = await loginFront(double, { failing: false });
    const { h, logs } = await startBot(port);
    const isReady = settledFlag(h.ready);
    try {
      // After the second failed attempt the next one comes 2 s later: time enough for an answer.
      await waitFor("the second failed attempt", () =>
        retried(logs).some((line) => line.retryInMs === 2_000),
      );
      const readyz = await h.readyz();
      assert.equal(readyz.status, 503);
      const problem = String(readyz.problems.dependencies);
      assert.match(problem, /teams: .*does not answer.*; retrying/);
      assert.ok(problem.includes(`${LOOPBACK}:${port}`), problem);
      assert.ok(problem.includes("ECONNREFUSED"), problem);
      assert.equal(isReady(), false);

      // The endpoint answers now and the check has not asked again yet: an activity is not held back.
      await front.listen(port);
      h.llm.script({ kind: "stream", pieces: ["Still ", "here."] });
      const activity = personalMessage(h.base, { text: "anyone?", conversationId: personalConversationId() });
      const token = double.issueChannelToken({ serviceUrl: h.base.serviceUrl });
      const res = await h.post(activity, { authorization: `Bearer ${token}` });
      assert.equal(res.status, 200);
      await h.settled();
      assert.equal(h.connector.visible(activity.conversation.id)[0]?.text, "Still here.");
      assert.equal(isReady(), false, "answered before the start-up check asked again");

      await assertReadyByItself(h, logs);
    } finally {
      await h.close();
      await front.close();
    }
  });

  it("503 from the login endpoint: retried, not refused, until it answers", async () => {
    const front = await loginFront(double, { failing: true });
    const { h, logs } = await startBot(await front.listen());
    try {
      await waitFor("a failed attempt", () => retried(logs).length > 0);
      const readyz = await h.readyz();
      assert.equal(readyz.status, 503);
      assert.match(String(readyz.problems.dependencies), /teams: .*503.*; retrying/);
      assert.ok(front.requests > 0);
      assert.equal(double.issued.length, 0);

      front.failing = false;
      await assertReadyByItself(h, logs);
    } finally {
      await h.close();
      await front.close();
    }
  });
});
