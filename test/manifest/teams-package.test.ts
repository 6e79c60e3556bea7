import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { crc32, inflateRawSync } from "node:zlib";
import {
  fillTemplate,
  PACKAGE_FILE,
  packageTeamsApp,
  TEAMS_DIR,
  TeamsPackageError,
  validateManifest,
} from "../../scripts/package-teams.js";
import { DEFAULT_PROMPTS } from "../../src/prompts/suggested.js";

const APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const SCOPES = ["personal", "team", "groupChat"];
const COMMANDS = [
  { title: "help", description: "What I can do" },
  { title: "settings", description: "Show or change my settings" },
  { title: "forget", description: "Forget this conversation" },
];

const tempRoot = mkdtempSync(join(tmpdir(), "teams-package-"));
after(() => rmSync(tempRoot, { recursive: true, force: true }));
let dirs = 0;
function tempDir(): string {
  const dir = join(tempRoot, String(dirs++));
  mkdirSync(dir);
  return dir;
}

/** Reads a zip the way an unzipper does: end of central directory, central directory, local headers. */
function unzip(zip: Buffer): Map<string, Buffer> {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  assert.ok(end >= 0, "end of central directory record");
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, "central directory header");
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;

    assert.equal(zip.readUInt32LE(localOffset), 0x04034b50, `local header of ${name}`);
    const dataStart =
      localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    assert.ok(method === 0 || method === 8, `${name}: stored or deflated, not method ${method}`);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    assert.equal(data.length, size, `${name}: size`);
    assert.equal(crc32(data), crc, `${name}: CRC-32`);
    files.set(name, data);
  }
  return files;
}

function pngSize(png: Buffer): { width: number; height: number } {
  assert.equal(png.toString("latin1", 1, 4), "PNG");
  assert.equal(png.toString("latin1", 12, 16), "IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function errorOf(fn: () => unknown): TeamsPackageError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TeamsPackageError, `expected a TeamsPackageError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a TeamsPackageError");
}

describe("npm run package:teams", () => {
  const outDir = tempDir();
  const result = packageTeamsApp({ env: { MicrosoftAppId: APP_ID }, outDir });
  const files = unzip(readFileSync(join(outDir, PACKAGE_FILE)));
  const manifest = JSON.parse(files.get("manifest.json")?.toString("utf8") ?? "null");

  it("writes appPackage.zip with manifest.json and the two icons at its root", () => {
    assert.equal(result.zipPath, join(outDir, PACKAGE_FILE));
    assert.deepEqual([...files.keys()].sort(), ["color.png", "manifest.json", "outline.png"]);
  });

  it("takes its prompt starters from SLACK_SUGGESTED_PROMPTS, the list Slack shows", () => {
    const prompts = [{ title: "Vacation policy", message: "How many vacation days do I get?" }];
    const { manifest: custom } = packageTeamsApp({
      env: { MicrosoftAppId: APP_ID, SLACK_SUGGESTED_PROMPTS: JSON.stringify(prompts) },
      outDir: tempDir(),
    });
    const bots = custom.bots as Array<{ commandLists: Array<{ commands: unknown[] }> }>;
    assert.deepEqual(bots[0]?.commandLists[0]?.commands[0], {
      title: "Vacation policy",
      description: "How many vacation days do I get?",
    });
    assert.throws(
      () =>
        packageTeamsApp({
          env: { MicrosoftAppId: APP_ID, SLACK_SUGGESTED_PROMPTS: "[]" },
          outDir: tempDir(),
        }),
      /SLACK_SUGGESTED_PROMPTS must be a JSON list/,
    );
  });

  it("puts the app id in id and bots[0].botId", () => {
    assert.equal(manifest.id, APP_ID);
    assert.equal(manifest.bots.length, 1);
    assert.equal(manifest.bots[0].botId, APP_ID);
    assert.doesNotMatch(JSON.stringify(manifest), /\$\{\{/, "no placeholder left");
  });

  it("is valid against the published schema of its manifestVersion", () => {
    assert.match(manifest.manifestVersion, /^1\.\d+$/);
    assert.equal(
      manifest.$schema,
      `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`,
    );
    assert.deepEqual(validateManifest(manifest), []);
  });

  it("declares a bot for personal, team and group chats, with the three commands in each scope and prompt starters in personal chats", () => {
    const bot = manifest.bots[0];
    assert.deepEqual(bot.scopes, SCOPES);
    assert.equal(bot.supportsFiles, false);
    assert.equal(bot.isNotificationOnly, false);
    assert.deepEqual(
      bot.commandLists.map((list: { scopes: string[] }) => list.scopes),
      SCOPES.map((scope) => [scope]),
    );
    const [personal, ...others] = bot.commandLists;
    // The default suggested prompts, less "settings" (a command, listed anyway), then the commands.
    assert.deepEqual(personal.commands, [
      ...DEFAULT_PROMPTS.slice(0, 3).map((p) => ({ title: p.title, description: p.message })),
      ...COMMANDS,
    ]);
    for (const list of others) assert.deepEqual(list.commands, COMMANDS);
    assert.equal(manifest.name.short, "Azure Chat Bot");
    // Team ownership (who may change a channel's settings) is read from Microsoft Graph with
    // resource-specific consent, which needs the app's id in webApplicationInfo.
    assert.equal(manifest.webApplicationInfo.id, manifest.id);
    assert.deepEqual(manifest.authorization.permissions.resourceSpecific, [
      { name: "TeamMember.Read.Group", type: "Application" },
    ]);
  });

  it("packs a 192x192 color icon and a 32x32 outline icon", () => {
    assert.deepEqual(manifest.icons, { color: "color.png", outline: "outline.png" });
    assert.deepEqual(pngSize(files.get("color.png") ?? Buffer.alloc(0)), { width: 192, height: 192 });
    assert.deepEqual(pngSize(files.get("outline.png") ?? Buffer.alloc(0)), { width: 32, height: 32 });
  });

  it("fills the version and developer details from TEAMS_* variables", () => {
    const dir = tempDir();
    const { manifest: custom } = packageTeamsApp({
      env: {
        MicrosoftAppId: APP_ID,
        TEAMS_APP_VERSION: "2.3.4",
        TEAMS_DEVELOPER_NAME: "Contoso IT",
        TEAMS_DEVELOPER_WEBSITE_URL: "https://contoso.example/bot",
        TEAMS_DEVELOPER_PRIVACY_URL: "https://contoso.example/privacy",
        TEAMS_DEVELOPER_TERMS_URL: "https://contoso.example/terms",
      },
      outDir: dir,
    });
    assert.equal(custom.version, "2.3.4");
    assert.deepEqual(custom.developer, {
      name: "Contoso IT",
      websiteUrl: "https://contoso.example/bot",
      privacyUrl: "https://contoso.example/privacy",
      termsOfUseUrl: "https://contoso.example/terms",
    });
  });
});

describe("package:teams refuses", () => {
  for (const [what, env] of [
    ["a missing MicrosoftAppId", {}],
    ["an empty MicrosoftAppId", { MicrosoftAppId: "" }],
    ["a MicrosoftAppId that is not a GUID", { MicrosoftAppId: "my-bot" }],
  ] as const) {
    it(`${what}, naming MicrosoftAppId, and writes nothing`, () => {
      const outDir = tempDir();
      const err = errorOf(() => packageTeamsApp({ env, outDir }));
      assert.match(err.message, /MicrosoftAppId/);
      assert.match(err.message, /GUID/);
      assert.equal(existsSync(join(outDir, PACKAGE_FILE)), false);
    });
  }

  it("a TEAMS_APP_VERSION that is not major.minor.patch", () => {
    const err = errorOf(() =>
      packageTeamsApp({ env: { MicrosoftAppId: APP_ID, TEAMS_APP_VERSION: "1.0" }, outDir: tempDir() }),
    );
    assert.match(err.message, /TEAMS_APP_VERSION/);
  });

  it("icons of the wrong size", () => {
    const sourceDir = tempDir();
    copyFileSync(join(TEAMS_DIR, "manifest.template.json"), join(sourceDir, "manifest.template.json"));
    copyFileSync(join(TEAMS_DIR, "color.png"), join(sourceDir, "color.png"));
    copyFileSync(join(TEAMS_DIR, "color.png"), join(sourceDir, "outline.png")); // 192x192
    const outDir = tempDir();
    const err = errorOf(() => packageTeamsApp({ env: { MicrosoftAppId: APP_ID }, sourceDir, outDir }));
    assert.match(err.message, /outline\.png .*32x32 pixels, not 192x192/);
    assert.equal(existsSync(join(outDir, PACKAGE_FILE)), false);
  });

  it("a placeholder it does not know", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a manifest placeholder, not a JavaScript template
    const template = { id: "${{TEAMS_APP_ID}}" };
    const err = errorOf(() => fillTemplate(template, { MICROSOFT_APP_ID: APP_ID }));
    assert.match(err.message, /\$\{\{TEAMS_APP_ID\}\}/);
  });
});

/** The parts of a filled manifest these tests change (JSON, so loosely typed). */
interface EditableManifest {
  [key: string]: unknown;
  developer: Record<string, unknown>;
  bots: Array<Record<string, unknown>>;
}

describe("validateManifest", () => {
  const valid = (): { manifest: EditableManifest; bot: Record<string, unknown> } => {
    const { manifest } = packageTeamsApp({ env: { MicrosoftAppId: APP_ID }, outDir: tempDir() });
    const editable = manifest as EditableManifest;
    const bot = editable.bots[0];
    assert.ok(bot);
    return { manifest: editable, bot };
  };

  it("reports schema violations with their JSON pointer", () => {
    const { manifest, bot } = valid();
    manifest.accentColor = "blue";
    bot.supportsFile = true; // a misspelt field: bots allow no additional properties
    delete manifest.developer.privacyUrl;
    const problems = validateManifest(manifest);
    assert.ok(
      problems.some((p) => p.startsWith("/accentColor ") && p.includes("pattern")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.startsWith("/bots/0 ") && p.includes("supportsFile")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.startsWith("/developer ") && p.includes("privacyUrl")),
      problems.join("\n"),
    );
  });

  it("reports a bot id that is not a GUID and a scope Teams does not have", () => {
    const { manifest, bot } = valid();
    bot.botId = "not-a-guid";
    bot.scopes = ["personal", "channel"];
    const problems = validateManifest(manifest);
    assert.ok(
      problems.some((p) => p.startsWith("/bots/0/botId ")),
      problems.join("\n"),
    );
    assert.ok(
      problems.some((p) => p.startsWith("/bots/0/scopes/1 ")),
      problems.join("\n"),
    );
  });

  it("checks that $schema and manifestVersion agree", () => {
    const { manifest } = valid();
    manifest.$schema = "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json";
    assert.ok(validateManifest(manifest).some((p) => p.startsWith("/$schema ")));
  });

  it("refuses a manifestVersion with no published schema", () => {
    const { manifest } = valid();
    manifest.manifestVersion = "9.99";
    assert.match(
      errorOf(() => validateManifest(manifest)).message,
      /no published schema for manifestVersion 9\.99/,
    );
    assert.deepEqual(validateManifest({ manifestVersion: 130 }).length, 1);
  });
});
