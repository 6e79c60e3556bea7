// Named data sources, loaded and validated once at start (load.ts): sources the bot searches itself
// (search-source.ts, search-env.ts) and legacy "On Your Data" sources, checked against the
// api-version's schema (schema-2024-10-21.ts, validate.ts).
export {
  type BotSearchDefinition,
  DATA_SOURCE_ENV,
  DataSourceConfigError,
  type DataSourceDefinition,
  type LoadDataSourcesOptions,
  loadDataSources,
  ON_YOUR_DATA_DEPRECATION,
  type OnYourDataDefinition,
} from "./load.js";
export { SCHEMA_API_VERSION } from "./schema-2024-10-21.js";
export type {
  BotSearchSource,
  FieldsOverride,
  KnowledgeBaseSource,
  SearchAuth,
  SearchIndexSource,
  SearchQueryType,
} from "./search-source.js";
export { type ValidationMode, validateDataSourceConfiguration, validationModeFor } from "./validate.js";
