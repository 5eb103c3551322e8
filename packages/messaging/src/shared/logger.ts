/** The subset of pino's interface this package logs through; pino loggers satisfy it as is. */
export interface MessagingLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

const ignore = (): void => {};

export const silentLogger: MessagingLogger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
};

/** A logger that adds `fields` to every line (pino's `child`, without requiring pino). */
export function withFields(logger: MessagingLogger, fields: object): MessagingLogger {
  return {
    debug: (details, message) => logger.debug({ ...fields, ...details }, message),
    info: (details, message) => logger.info({ ...fields, ...details }, message),
    warn: (details, message) => logger.warn({ ...fields, ...details }, message),
    error: (details, message) => logger.error({ ...fields, ...details }, message),
  };
}
