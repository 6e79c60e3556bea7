export * from "./constants.js";
export {
  type AccessTokenCheck,
  type AuthRoute,
  type BotFrameworkAuthDouble,
  type BotFrameworkAuthDoubleOptions,
  type ChannelTokenOptions,
  type IssuedAccessToken,
  type RecordedAuthRequest,
  startBotFrameworkAuthDouble,
} from "./double.js";
export { decodeJwt, type Jwk, type JwtClaims, verifyJwtSignature } from "./jwt.js";
export {
  applyEnvironment,
  botFrameworkAuthEnvironment,
  botFrameworkAuthSettings,
  managedIdentityEnvironment,
} from "./settings.js";
