export const REDACTED = '[redacted]';

// Keys whose values never reach a log line, at the top level or one level down.
const SECRET_KEYS = [
  'token',
  'accessToken',
  'refreshToken',
  'botToken',
  'password',
  'secret',
  'clientSecret',
  'apiKey',
  'authorization',
  'cookie',
  'dsn',
  'TELEGRAM_BOT_TOKEN',
  'SENTRY_DSN',
];

export const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
  ...['authorization', 'cookie', 'x-telegram-bot-api-secret-token'].flatMap((header) => [
    `headers["${header}"]`,
    `*.headers["${header}"]`,
  ]),
];

// A Telegram bot token: numeric bot id, colon, 35 characters of secret.
const BOT_TOKEN = /\d+:[A-Za-z0-9_-]{35}/g;
// user:password@ (or just user@) after a scheme; userinfo holds no unescaped / ? # @ or whitespace.
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'\\]+@/gi;

export function maskUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
}

/** Masks secrets recognisable by their shape, wherever they appear in a text (or a JSON line). */
export function scrubSecrets(text: string): string {
  return maskUrlCredentials(text.replace(BOT_TOKEN, REDACTED));
}
