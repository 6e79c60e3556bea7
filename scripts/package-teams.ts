// `npm run package:teams`: builds the Teams app package (manifest/teams/build/appPackage.zip) from
// manifest/teams/manifest.template.json and the two icons.
//
// 1. Reads MicrosoftAppId (the environment, or `.env` when present; real environment variables win).
// 2. Fills the template's ${{...}} placeholders (manifest/teams/README.md lists them).
// 3. Validates the result against Microsoft's published JSON schema for its manifestVersion, read
//    offline from the @microsoft/app-manifest package (never downloaded), and checks the icon sizes
//    from their PNG headers.
// 4. Writes a zip with manifest.json, color.png and outline.png at its root (fflate, with a fixed
//    time so the package is byte-for-byte reproducible).
//
// Everything the CLI does goes through packageTeamsApp(), whose environment and directories are
// parameters, so the tests run it on a temporary directory with a test app id.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ValidateFunction } from "ajv";
import ajvDraft04Module from "ajv-draft-04";
import addFormatsModule from "ajv-formats";
import { zipSync } from "fflate";
import { parseCommand } from "../src/commands/parse.js";
import { parsePrompts, type SuggestedPrompt } from "../src/prompts/suggested.js";
import { readPngInfo } from "./teams-package/png.js";

const require = createRequire(import.meta.url);

export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
export const TEAMS_DIR = join(REPO_ROOT, "manifest", "teams");
export const DEFAULT_OUT_DIR = join(TEAMS_DIR, "build");
export const TEMPLATE_FILE = "manifest.template.json";
export const PACKAGE_FILE = "appPackage.zip";

/** The npm package that ships Microsoft's published Teams manifest schemas (one folder per version). */
const SCHEMA_PACKAGE = "@microsoft/app-manifest";

/** Same rule as src/config.ts: the bot's Microsoft App ID is a GUID. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Teams wants the app version as plain major.minor.patch; raise it for every re-upload. */
const APP_VERSION = /^\d+\.\d+\.\d+$/;
/** Icon sizes (pixels) Teams requires: a full-colour 192x192 and a white-on-transparent 32x32 outline. */
const COLOR_ICON_PX = 192;
const OUTLINE_ICON_PX = 32;

export class TeamsPackageError extends Error {
  override name = "TeamsPackageError";
}

export type Env = Record<string, string | undefined>;

export interface PackageOptions {
  /** Where MicrosoftAppId and the optional TEAMS_* values come from (default: process.env). */
  env?: Env;
  /** Where appPackage.zip (and the filled manifest.json, for reading) go (default: manifest/teams/build). */
  outDir?: string;
  /** Where the template and the icons are (default: manifest/teams). */
  sourceDir?: string;
}

export interface PackageResult {
  zipPath: string;
  manifestPath: string;
  manifest: Record<string, unknown>;
  /** Placeholders that fell back to their defaults (worth setting before sharing the app widely). */
  defaulted: string[];
}

// --- placeholders ---------------------------------------------------------------------------

interface Placeholder {
  /** The environment variable that fills it. */
  variable: string;
  /** Used when the variable is unset or empty; none means required. */
  fallback?: () => string;
  check?: (value: string) => string | undefined;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "1.0.0";
}

const PLACEHOLDERS: Record<string, Placeholder> = {
  MICROSOFT_APP_ID: {
    variable: "MicrosoftAppId",
    check: (v) =>
      GUID.test(v)
        ? undefined
        : `MicrosoftAppId must be the bot's Microsoft App ID, a GUID such as 00000000-0000-0000-0000-000000000000 (got ${JSON.stringify(v)})`,
  },
  APP_VERSION: {
    variable: "TEAMS_APP_VERSION",
    fallback: packageVersion,
    check: (v) =>
      APP_VERSION.test(v)
        ? undefined
        : `TEAMS_APP_VERSION (default: package.json's version) must be major.minor.patch, such as 1.0.3 (got ${JSON.stringify(v)})`,
  },
  DEVELOPER_NAME: {
    variable: "TEAMS_DEVELOPER_NAME",
    fallback: () => "Azure Chat Bot",
    check: (v) => (v.length <= 32 ? undefined : "TEAMS_DEVELOPER_NAME must be at most 32 characters"),
  },
  DEVELOPER_WEBSITE_URL: httpsUrl("TEAMS_DEVELOPER_WEBSITE_URL", "https://example.com/"),
  DEVELOPER_PRIVACY_URL: httpsUrl("TEAMS_DEVELOPER_PRIVACY_URL", "https://example.com/privacy"),
  DEVELOPER_TERMS_URL: httpsUrl("TEAMS_DEVELOPER_TERMS_URL", "https://example.com/terms"),
};

function httpsUrl(variable: string, fallback: string): Placeholder {
  return {
    variable,
    fallback: () => fallback,
    check: (v) => (/^https:\/\/[^\s/]+/.test(v) ? undefined : `${variable} must be an https:// URL`),
  };
}

/**
 * The value of each placeholder, from `env` (empty counts as unset). Throws one error listing every
 * problem; a missing or malformed MicrosoftAppId is always named.
 */
export function placeholderValues(env: Env): { values: Record<string, string>; defaulted: string[] } {
  const values: Record<string, string> = {};
  const defaulted: string[] = [];
  const problems: string[] = [];
  for (const [token, { variable, fallback, check }] of Object.entries(PLACEHOLDERS)) {
    let value = env[variable];
    if (value === undefined || value === "") {
      if (!fallback) {
        problems.push(
          variable === "MicrosoftAppId"
            ? "MicrosoftAppId is not set: set it (in the environment or .env) to the bot's Microsoft App ID, the GUID of its Azure Bot / Entra app registration"
            : `${variable} is not set`,
        );
        continue;
      }
      value = fallback();
      defaulted.push(variable);
    }
    const problem = check?.(value);
    if (problem) problems.push(problem);
    values[token] = value;
  }
  if (problems.length > 0) throw new TeamsPackageError(problems.join("\n"));
  return { values, defaulted };
}

const TOKEN = /\$\{\{([A-Za-z0-9_]+)\}\}/g;

/** A copy of `template` with every ${{NAME}} inside its strings replaced; an unknown name is an error. */
export function fillTemplate(template: unknown, values: Record<string, string>): unknown {
  const unknown = new Set<string>();
  const fill = (node: unknown): unknown => {
    if (typeof node === "string") {
      return node.replace(TOKEN, (match, name: string) => {
        const value = values[name];
        if (value === undefined) unknown.add(name);
        return value ?? match;
      });
    }
    if (Array.isArray(node)) return node.map(fill);
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v)]));
    }
    return node;
  };
  const filled = fill(template);
  if (unknown.size > 0) {
    const names = [...unknown].map((n) => `\${{${n}}}`).join(", ");
    throw new TeamsPackageError(`the template uses ${names}, which package-teams does not fill`);
  }
  return filled;
}

// --- schema validation ------------------------------------------------------------------------

const validators = new Map<string, ValidateFunction>();

/** Microsoft's published schema for a manifestVersion ("1.30", "devPreview"), from the npm package. */
function schemaValidator(manifestVersion: string): ValidateFunction {
  const cached = validators.get(manifestVersion);
  if (cached) return cached;
  const schemaPath = `${SCHEMA_PACKAGE}/build/json-schemas/teams/v${manifestVersion}/MicrosoftTeams.schema.json`;
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(require.resolve(schemaPath), "utf8"));
  } catch {
    throw new TeamsPackageError(
      `no published schema for manifestVersion ${manifestVersion} in ${SCHEMA_PACKAGE} ${schemaPackageVersion()} (run npm install; a newer manifest version may need a newer ${SCHEMA_PACKAGE})`,
    );
  }
  // The Teams schemas are JSON Schema draft-04; these are the options Microsoft's own validator in
  // the same package uses (AppManifestUtils.validateAgainstSchema).
  const ajv = new ajvDraft04Module.default({ allErrors: true, strictTypes: false });
  addFormatsModule.default(ajv, ["uri", "email", "regex"]);
  const validate = ajv.compile(schema as object);
  validators.set(manifestVersion, validate);
  return validate;
}

export function schemaPackageVersion(): string {
  return (require(`${SCHEMA_PACKAGE}/package.json`) as { version: string }).version;
}

/**
 * Problems with a filled manifest against the published schema of its manifestVersion (empty when
 * valid), each as "<JSON pointer> <message>". Also checks that `$schema` names the same version.
 */
export function validateManifest(manifest: unknown): string[] {
  if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) {
    return ["/ the manifest must be a JSON object"];
  }
  const { manifestVersion, $schema } = manifest as Record<string, unknown>;
  if (typeof manifestVersion !== "string" || !/^(\d+\.\d+|devPreview)$/.test(manifestVersion)) {
    return [
      `/manifestVersion must be a schema version such as "1.30" (got ${JSON.stringify(manifestVersion)})`,
    ];
  }
  const validate = schemaValidator(manifestVersion);
  const problems: string[] = [];
  if (!validate(manifest)) {
    for (const error of validate.errors ?? []) {
      problems.push(
        `${error.instancePath || "/"} ${error.message ?? "is invalid"} ${JSON.stringify(error.params)}`,
      );
    }
  }
  if (typeof $schema === "string" && !$schema.includes(`/v${manifestVersion}/`)) {
    problems.push(`/$schema names another version than manifestVersion ${manifestVersion}: ${$schema}`);
  }
  return problems;
}

// --- prompt starters -------------------------------------------------------------------------

/** Teams shows at most ten commands per scope. */
const MAX_COMMANDS = 10;

/**
 * The suggested prompts (SLACK_SUGGESTED_PROMPTS, the same list Slack's Messages tab shows) as the
 * personal chat's prompt starters, before the template's help/settings/forget. Teams sends a
 * starter's title as the message, so a prompt whose message is itself a command (such as
 * "settings") is left out: the command is listed anyway.
 */
export function addPromptStarters(
  manifest: Record<string, unknown>,
  prompts: readonly SuggestedPrompt[],
): void {
  const bots = (manifest.bots ?? []) as Array<{
    commandLists?: Array<{ scopes: string[]; commands: unknown[] }>;
  }>;
  const personal = bots[0]?.commandLists?.find((list) => list.scopes.includes("personal"));
  if (!personal) return;
  const starters = prompts
    .filter((p) => parseCommand(p.message) === null)
    .map((p) => ({ title: p.title, description: p.message }));
  personal.commands = [...starters, ...personal.commands].slice(0, MAX_COMMANDS);
}

// --- icons ------------------------------------------------------------------------------------

function checkIcon(png: Buffer, name: string, size: number, role: string): string[] {
  const info = readPngInfo(png);
  if (!info) return [`${name} (the ${role} icon) is not a PNG file`];
  const problems: string[] = [];
  if (info.width !== size || info.height !== size) {
    problems.push(
      `${name} (the ${role} icon) must be ${size}x${size} pixels, not ${info.width}x${info.height}`,
    );
  }
  if (role === "outline" && !info.hasTransparency) {
    problems.push(
      `${name} (the outline icon) must be white on a transparent background, but it has no alpha`,
    );
  }
  return problems;
}

/** Every entry's time in the zip: a fixed one keeps the package byte-for-byte reproducible. */
const FIXED_TIME = { mtime: new Date(1980, 0, 1), level: 9 as const };

// --- packaging --------------------------------------------------------------------------------

/** Fills, validates and zips the Teams app package; throws TeamsPackageError with every problem found. */
export function packageTeamsApp(options: PackageOptions = {}): PackageResult {
  const env = options.env ?? process.env;
  const sourceDir = resolve(options.sourceDir ?? TEAMS_DIR);
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);

  const { values, defaulted } = placeholderValues(env);
  const templatePath = join(sourceDir, TEMPLATE_FILE);
  let template: unknown;
  try {
    template = JSON.parse(readFileSync(templatePath, "utf8"));
  } catch (err) {
    throw new TeamsPackageError(`cannot read ${templatePath}: ${(err as Error).message}`);
  }
  const manifest = fillTemplate(template, values) as Record<string, unknown>;
  const prompts = parsePrompts(env.SLACK_SUGGESTED_PROMPTS);
  if ("error" in prompts) throw new TeamsPackageError(`SLACK_SUGGESTED_PROMPTS ${prompts.error}`);
  addPromptStarters(manifest, prompts);

  const problems = validateManifest(manifest).map((p) => `manifest ${p}`);
  const icons = (manifest.icons ?? {}) as Record<string, unknown>;
  const iconFiles: Array<{ name: string; data: Buffer }> = [];
  for (const [role, size] of [
    ["color", COLOR_ICON_PX],
    ["outline", OUTLINE_ICON_PX],
  ] as const) {
    const name = icons[role];
    if (typeof name !== "string") continue; // the schema check reports it
    if (basename(name) !== name) {
      problems.push(`icons.${role} must be a file name at the package root, not ${JSON.stringify(name)}`);
      continue;
    }
    const file = join(sourceDir, name);
    if (!existsSync(file)) {
      problems.push(
        `icons.${role}: ${file} does not exist (node scripts/teams-icons.mjs draws the default icons)`,
      );
      continue;
    }
    const data = readFileSync(file);
    problems.push(...checkIcon(data, name, size, role));
    iconFiles.push({ name, data });
  }
  if (problems.length > 0) {
    throw new TeamsPackageError(`the Teams app package is not valid:\n  ${problems.join("\n  ")}`);
  }

  const manifestJson = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8");
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, PACKAGE_FILE);
  const manifestPath = join(outDir, "manifest.json");
  writeFileSync(manifestPath, manifestJson);
  const entries = [{ name: "manifest.json", data: manifestJson }, ...iconFiles];
  writeFileSync(zipPath, zipSync(Object.fromEntries(entries.map((e) => [e.name, [e.data, FIXED_TIME]]))));
  return { zipPath, manifestPath, manifest, defaulted };
}

function main(): void {
  const envFile = join(REPO_ROOT, ".env");
  if (existsSync(envFile)) process.loadEnvFile(envFile); // real environment variables win
  let result: PackageResult;
  try {
    result = packageTeamsApp();
  } catch (err) {
    if (!(err instanceof TeamsPackageError)) throw err;
    process.stderr.write(`package:teams: ${err.message}\nSee manifest/teams/README.md.\n`);
    process.exit(1);
  }
  const { manifest, zipPath } = result;
  const out = process.stdout;
  out.write(`Teams app package written: ${zipPath}\n`);
  out.write(
    `  manifest ${String(manifest.manifestVersion)} (checked against the schema in ${SCHEMA_PACKAGE} ${schemaPackageVersion()}), ` +
      `app id ${String(manifest.id)}, version ${String(manifest.version)}\n`,
  );
  if (result.defaulted.some((v) => v.startsWith("TEAMS_DEVELOPER_"))) {
    out.write(
      "  note: the developer name and links are placeholders (example.com); set TEAMS_DEVELOPER_NAME, TEAMS_DEVELOPER_WEBSITE_URL,\n" +
        "  TEAMS_DEVELOPER_PRIVACY_URL and TEAMS_DEVELOPER_TERMS_URL before sharing the app beyond a trial.\n",
    );
  }
  out.write(
    [
      "",
      "Next steps:",
      "  1. In the Azure portal, the Azure Bot resource for this app id needs the messaging endpoint",
      "     https://<your host>/api/messages and the Microsoft Teams channel turned on.",
      "  2. In Teams: Apps > Manage your apps > Upload an app > Upload a custom app, and choose the zip above",
      "     (custom app upload must be allowed in your tenant; an admin can instead add it to the org's catalog",
      "     in the Teams admin center: Teams apps > Manage apps > Upload new app).",
      '  3. Open a chat with "Azure Chat Bot" (or add it to a team or group chat and mention it) and say "help".',
      "  After changing the manifest, raise TEAMS_APP_VERSION (default: package.json's version) and upload again.",
      "",
    ].join("\n"),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
