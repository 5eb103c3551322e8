export { createLogger, type Logger, type LoggerOptions, type LogLevel } from './create-logger.ts';
export { currentLogContext, withLogContext, type LogContext } from './log-context.ts';
export { maskUrlCredentials, REDACTED, scrubSecrets } from './redaction.ts';
