// Turns the services' pino JSON lines into one readable line each, prefixed by the service name,
// for `./dev up`. Lines that are not JSON (a crash trace, a tool's output) pass through as they are.

const ansi = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
};

// Distinct, readable on dark and light terminals; assigned by name so a service keeps its colour.
const palette = [36, 32, 35, 34, 33, 96, 92, 95, 94, 93, 91, 37];
const knownSources = [
  'up',
  'relay',
  'gateway-bot',
  'identity',
  'downloader',
  'transcoder',
  'storage',
  'notifier',
  'quota',
  'billing',
  'scheduler',
  'sandbox',
];

function colourOf(source: string): number {
  const known = knownSources.indexOf(source);
  if (known >= 0) return palette[known % palette.length]!;
  let hash = 0;
  for (const char of source) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return palette[hash % palette.length]!;
}

const levelNames: Record<string, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

const hiddenKeys = new Set(['level', 'time', 'service', 'msg', 'message', 'pid', 'hostname', 'v']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  return JSON.stringify(value);
}

function timeOf(raw: unknown): string {
  const date =
    typeof raw === 'number' || typeof raw === 'string' ? new Date(raw) : new Date(Number.NaN);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(11, 19);
}

export interface LogFormatOptions {
  /** ANSI colours (when stdout is a terminal). */
  colour: boolean;
  /** The prefix column width (the longest service name). */
  width: number;
}

/** One output line (or several, for an error's stack) for one line a service printed. */
export function formatLogLine(source: string, line: string, options: LogFormatOptions): string {
  const paint = (code: string, text: string) =>
    options.colour ? `${code}${text}${ansi.reset}` : text;
  const prefix = paint(`\x1b[${colourOf(source)}m`, `${source.padEnd(options.width)} |`);

  let record: Record<string, unknown> | undefined;
  if (line.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        record = parsed as Record<string, unknown>;
      }
    } catch {
      record = undefined;
    }
  }
  if (!record) return `${prefix} ${line}`;

  const rawLevel = record.level;
  const level =
    typeof rawLevel === 'number' ? (levelNames[rawLevel] ?? String(rawLevel)) : String(rawLevel);
  const levelText = level.toUpperCase().padEnd(5);
  const levelPainted =
    level === 'error' || level === 'fatal'
      ? paint(ansi.red + ansi.bold, levelText)
      : level === 'warn'
        ? paint(ansi.yellow, levelText)
        : paint(ansi.dim, levelText);
  const rawMessage = record.msg ?? record.message ?? '';
  const message = typeof rawMessage === 'string' ? rawMessage : formatValue(rawMessage);
  let stack: string | undefined;
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (hiddenKeys.has(key) || value === undefined) continue;
    if ((key === 'err' || key === 'error') && value && typeof value === 'object') {
      const error = value as { message?: unknown; stack?: unknown; code?: unknown };
      fields.push(`${key}=${formatValue(error.message ?? value)}`);
      if (error.code !== undefined) fields.push(`code=${formatValue(error.code)}`);
      if (typeof error.stack === 'string' && (level === 'error' || level === 'fatal')) {
        stack = error.stack;
      }
      continue;
    }
    if (key === 'correlationId' && typeof value === 'string') {
      fields.push(`corr=${value.slice(-8)}`);
      continue;
    }
    fields.push(`${key}=${formatValue(value)}`);
  }
  const time = timeOf(record.time);
  const head = [
    prefix,
    time ? paint(ansi.dim, time) : '',
    levelPainted,
    message,
    fields.length > 0 ? paint(ansi.dim, fields.join(' ')) : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (!stack) return head;
  const indent = ' '.repeat(options.width + 3);
  const stackLines = stack
    .split('\n')
    .slice(1)
    .map((frame) => `${indent}${paint(ansi.dim, frame.trim())}`);
  return [head, ...stackLines].join('\n');
}
