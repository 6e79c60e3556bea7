// How to point botbuilder at a running Bot Framework auth double.
import type { ConfigurationBotFrameworkAuthenticationOptions } from "botbuilder";
import {
  BOT_FRAMEWORK_ISSUER,
  BOT_FRAMEWORK_SCOPE,
  BOT_FRAMEWORK_TENANT,
  PUBLIC_AZURE_CALLER_ID,
} from "./constants.js";
import type { BotFrameworkAuthDouble } from "./double.js";

/**
 * Options for `new ConfigurationBotFrameworkAuthentication(options)` that make a real CloudAdapter
 * validate inbound tokens against the double and get outbound tokens from it. Setting any of the
 * ToBot*, ToChannel*, OAuthUrl or CallerId keys makes botbuilder use exactly these values instead of the public cloud
 * constants, so every one of them is set (an unset one would be undefined, not the default).
 */
export function botFrameworkAuthSettings(
  double: BotFrameworkAuthDouble,
): ConfigurationBotFrameworkAuthenticationOptions {
  // botbuilder uses the login URL as the MSAL authority as-is (it appends no tenant for a
  // non-Microsoft host) and lower-cases it: the tenant goes in the path.
  const loginTenant = double.appType === "MultiTenant" ? BOT_FRAMEWORK_TENANT : double.tenantId.toLowerCase();
  const base: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: double.appId,
    MicrosoftAppType: double.appType,
    // Ignored for MultiTenant (botbuilder passes '' to the credential factory).
    MicrosoftAppTenantId: double.tenantId,
    ToBotFromChannelOpenIdMetadataUrl: double.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: BOT_FRAMEWORK_ISSUER,
    // Emulator and skill tokens are checked against this; keep it on the double, never the internet.
    ToBotFromEmulatorOpenIdMetadataUrl: double.openIdMetadataUrl,
    ToChannelFromBotLoginUrl: `${double.url}/${loginTenant}`,
    ToChannelFromBotOAuthScope: BOT_FRAMEWORK_SCOPE,
    // Only stored by botbuilder 4.23: its MSAL client never receives it (see process-hooks.ts).
    ValidateAuthority: false,
    // The user token (SSO) API is not modelled; it answers 404 instead of reaching the internet.
    OAuthUrl: double.url,
    CallerId: PUBLIC_AZURE_CALLER_ID,
  };
  // UserAssignedMSI must not have a password (botbuilder asserts it).
  return double.appType === "UserAssignedMSI" ? base : { ...base, MicrosoftAppPassword: double.password };
}

/**
 * The same settings as environment variables (names as botbuilder's configuration keys), for a
 * bot process configured from its environment.
 */
export function botFrameworkAuthEnvironment(double: BotFrameworkAuthDouble): Record<string, string> {
  return Object.fromEntries(
    Object.entries(botFrameworkAuthSettings(double)).flatMap(([key, value]) =>
      value === undefined ? [] : [[key, String(value)]],
    ),
  );
}

/**
 * Environment for UserAssignedMSI: botbuilder gets its token from @azure/identity's
 * DefaultAzureCredential({ managedIdentityClientId: appId }), whose ManagedIdentityCredential
 * (msal-node) uses the App Service source when IDENTITY_ENDPOINT and IDENTITY_HEADER are set.
 * AZURE_TOKEN_CREDENTIALS pins the chain to managed identity, so nothing falls through to the
 * developer credentials (Azure CLI and the like) when something is wrong.
 *
 * msal-node picks the managed identity source (and its endpoint URL) once per process, at the first
 * token request: use one UserAssignedMSI double per test process.
 */
export function managedIdentityEnvironment(double: BotFrameworkAuthDouble): Record<string, string> {
  return {
    IDENTITY_ENDPOINT: double.msiEndpoint,
    IDENTITY_HEADER: double.identityHeader,
    AZURE_TOKEN_CREDENTIALS: "ManagedIdentityCredential",
  };
}

/** Sets environment variables and returns a function that puts the previous values back. */
export function applyEnvironment(variables: Record<string, string>): () => void {
  const previous = Object.entries(variables).map(([key]) => [key, process.env[key]] as const);
  Object.assign(process.env, variables);
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
