import { z } from 'zod';
import { createTelegramFake } from './index.ts';

// Runs the fake Bot API on its own: TELEGRAM_FAKE_PORT / TELEGRAM_FAKE_HOST / TELEGRAM_FAKE_TOKEN.
// Prints one line with the URL to give a bot as its API root.

const envSchema = z.object({
  TELEGRAM_FAKE_HOST: z.string().default('127.0.0.1'),
  TELEGRAM_FAKE_PORT: z.coerce.number().int().min(0).max(65_535).default(8081),
  TELEGRAM_FAKE_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]{30,}$/, 'a bot token looks like 123456789:AAE...')
    .optional(),
  TELEGRAM_FAKE_FILE_DIR: z.string().min(1).optional(),
});

const parsed = envSchema.safeParse(process.env);
if (!parsed.success) {
  const problems = parsed.error.issues.map(
    (issue) => `  ${issue.path.join('.')}: ${issue.message}`,
  );
  process.stderr.write(`telegram-fake: bad environment\n${problems.join('\n')}\n`);
  process.exit(2);
}
const env = parsed.data;

const fake = await createTelegramFake({
  host: env.TELEGRAM_FAKE_HOST,
  port: env.TELEGRAM_FAKE_PORT,
  ...(env.TELEGRAM_FAKE_TOKEN === undefined ? {} : { token: env.TELEGRAM_FAKE_TOKEN }),
  ...(env.TELEGRAM_FAKE_FILE_DIR === undefined
    ? {}
    : { fileDirectory: env.TELEGRAM_FAKE_FILE_DIR }),
});

process.stdout.write(
  `${JSON.stringify({
    msg: 'telegram-fake listening',
    url: fake.url,
    botUsername: fake.botUser.username,
    // A made-up token is shown so a bot can be pointed at the fake; a given one is not repeated.
    ...(env.TELEGRAM_FAKE_TOKEN === undefined ? { generatedToken: fake.token } : {}),
  })}\n`,
);

fake.events.on('call', (call) => {
  process.stdout.write(
    `${JSON.stringify({ msg: 'bot call', method: call.method, chatId: call.chatId, status: call.httpStatus })}\n`,
  );
});

const stop = (): void => {
  fake.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
