import type { MessagingLogger } from './logger.ts';

const levels = { debug: 20, info: 30, warn: 40, error: 50 } as const;
export type LogLevel = keyof typeof levels;

/** One JSON object per line (pino's shape: level, time, msg), for processes without service-kit. */
export function jsonLineLogger(
  write: (line: string) => void,
  minimum: LogLevel = 'info',
  clock: () => number = Date.now,
): MessagingLogger {
  const at = (level: LogLevel) => (details: object, message: string) => {
    if (levels[level] < levels[minimum]) return;
    write(`${JSON.stringify({ level: levels[level], time: clock(), msg: message, ...details })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
