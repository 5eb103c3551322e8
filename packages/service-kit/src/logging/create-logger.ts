import pino from 'pino';
import { currentLogContext } from './log-context.ts';
import { REDACT_PATHS, REDACTED, scrubSecrets } from './redaction.ts';

export type Logger = pino.Logger;
export type LogLevel = pino.LevelWithSilent;

export interface LoggerOptions {
  service: string;
  level: LogLevel;
  /** Where JSON lines go; stdout (written synchronously) when omitted. */
  destination?: pino.DestinationStream;
}

/**
 * A pino JSON logger. Secrets are kept out twice over: known keys are redacted by path, and every
 * finished line is scrubbed of bot tokens and URL credentials, wherever they hide (message, stack,
 * nested fields).
 */
export function createLogger({ service, level, destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    mixin: () => ({ ...currentLogContext() }),
    hooks: { streamWrite: scrubSecrets },
  };
  // Synchronous stdout: lines keep their order and none is lost when the process exits right after.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
