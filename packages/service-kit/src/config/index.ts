export { baseConfigSchema, LOG_LEVELS, type BaseConfig } from './base-config.ts';
export { booleanVar, durationVar, intVar, parseDurationMs, portVar, urlVar } from './env-vars.ts';
export { ConfigError, loadConfig, type ConfigProblem, type Env } from './load-config.ts';
