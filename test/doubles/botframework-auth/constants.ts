// Public values of the Bot Framework identity services (botframework-connector's
// AuthenticationConstants and the published metadata documents).

/** `iss` of the tokens the Bot Connector sends to a bot, and the metadata document's issuer. */
export const BOT_FRAMEWORK_ISSUER = "https://api.botframework.com";
/** Resource a bot asks Entra ID for when it calls the Bot Connector (scope `<this>/.default`). */
export const BOT_FRAMEWORK_SCOPE = "https://api.botframework.com";
/** Tenant a MultiTenant bot gets its outbound token from, and the tenant id Entra ID resolves it to. */
export const BOT_FRAMEWORK_TENANT = "botframework.com";
export const BOT_FRAMEWORK_TENANT_ID = "d6d49420-f39b-4df7-a1dc-d59a935871db";
/** CallerIdConstants.PublicAzureChannel: what botbuilder stamps on activities from the public cloud. */
export const PUBLIC_AZURE_CALLER_ID = "urn:botframework:azure";

/** Paths as published at https://login.botframework.com. */
export const CHANNEL_METADATA_PATH = "/v1/.well-known/openidconfiguration";
export const CHANNEL_KEYS_PATH = "/v1/.well-known/keys";
/** MSAL's instance discovery, always requested from login.microsoftonline.com. */
export const INSTANCE_DISCOVERY_PATH = "/common/discovery/instance";
/** The App Service managed identity endpoint's path (IDENTITY_ENDPOINT); the real one is on localhost. */
export const MSI_TOKEN_PATH = "/msi/token";
/** App Service managed identity API version msal-node sends (api-version query parameter). */
export const APP_SERVICE_MSI_API_VERSION = "2019-08-01";
export const APP_SERVICE_SECRET_HEADER = "x-identity-header";

export const TEAMS_CHANNEL_ID = "msteams";
/** A representative part of the endorsements on the published Bot Framework signing keys. */
export const DEFAULT_ENDORSEMENTS: readonly string[] = [
  TEAMS_CHANNEL_ID,
  "skype",
  "webchat",
  "directline",
  "slack",
  "facebook",
  "telegram",
  "email",
  "emulator",
];

export type BotAppType = "MultiTenant" | "SingleTenant" | "UserAssignedMSI";
