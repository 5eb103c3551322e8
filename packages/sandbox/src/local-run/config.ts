import { join } from 'node:path';
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .default('')
  .transform((value) => ['true', '1', 'yes'].includes(value));

/** The environment `./dev up` reads; everything has a local default. */
export const localRunEnvSchema = z
  .object({
    DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/mediabot'),
    RABBITMQ_URL: z.url().default('amqp://guest:guest@127.0.0.1:5672'),
    REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
    RABBITMQ_PREFIX: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'lower-case letters, digits, - and _')
      .default('mediabot'),
    S3_ENDPOINT: optionalText,
    S3_ACCESS_KEY: optionalText,
    S3_SECRET_KEY: optionalText,
    S3_REGION: z.string().default('us-east-1'),
    TELEGRAM_BOT_TOKEN: optionalText.pipe(
      z
        .string()
        .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'must look like 123456:ABC-… (from @BotFather)')
        .optional(),
    ),
    TELEGRAM_API_ROOT: optionalText.pipe(z.url().optional()),
    WEBHOOK_PUBLIC_URL: optionalText.pipe(z.url().optional()),
    WEBHOOK_SECRET: optionalText.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,256}$/, '1-256 of A-Z a-z 0-9 _ -')
        .optional(),
    ),
    SANDBOX_HOST: z.string().default('127.0.0.1'),
    SANDBOX_PORT: port(8080),
    MEDIA_PORT: port(8090),
    TELEGRAM_UPLOAD_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(50 * 1024 * 1024),
    /** Let the bot fetch links on 127.0.0.1 with a real token too (the fake sandbox always may). */
    MEDIABOT_ALLOW_LOOPBACK_LINKS: flag,
    MEDIABOT_WORK_DIR: optionalText,
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  })
  .superRefine((env, context) => {
    const s3 = [env.S3_ENDPOINT, env.S3_ACCESS_KEY, env.S3_SECRET_KEY];
    if (s3.some(Boolean) && !s3.every(Boolean)) {
      context.addIssue({
        code: 'custom',
        path: ['S3_ENDPOINT'],
        message: 'give S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY together (or none of them)',
      });
    }
    if (env.WEBHOOK_PUBLIC_URL && !env.TELEGRAM_BOT_TOKEN) {
      context.addIssue({
        code: 'custom',
        path: ['WEBHOOK_PUBLIC_URL'],
        message: 'a webhook needs a real bot: set TELEGRAM_BOT_TOKEN too',
      });
    }
  });

export type LocalRunEnv = z.output<typeof localRunEnvSchema>;

export interface LocalRunConfig {
  databaseUrl: string;
  rabbitmqUrl: string;
  redisUrl: string;
  prefix: string;
  s3?: { endpoint: string; accessKey: string; secretKey: string; region: string };
  telegram:
    | { kind: 'fake' }
    | {
        kind: 'real';
        token: string;
        apiRoot?: string;
        mode: 'polling' | 'webhook';
        webhookPublicUrl?: string;
        webhookSecret?: string;
      };
  sandbox: { host: string; port: number };
  mediaPort: number;
  uploadLimitBytes: number;
  allowLoopbackLinks: boolean;
  workDir: string;
  logLevel: string;
}

export class LocalRunConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`bad environment:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Reads the environment, naming every bad variable at once. */
export function localRunConfig(
  environment: Record<string, string | undefined>,
  repositoryRoot: string,
): LocalRunConfig {
  const parsed = localRunEnvSchema.safeParse(environment);
  if (!parsed.success) {
    throw new LocalRunConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const env = parsed.data;
  const token = env.TELEGRAM_BOT_TOKEN;
  return {
    databaseUrl: env.DATABASE_URL,
    rabbitmqUrl: env.RABBITMQ_URL,
    redisUrl: env.REDIS_URL,
    prefix: env.RABBITMQ_PREFIX,
    ...(env.S3_ENDPOINT && env.S3_ACCESS_KEY && env.S3_SECRET_KEY
      ? {
          s3: {
            endpoint: env.S3_ENDPOINT,
            accessKey: env.S3_ACCESS_KEY,
            secretKey: env.S3_SECRET_KEY,
            region: env.S3_REGION,
          },
        }
      : {}),
    telegram: token
      ? {
          kind: 'real',
          token,
          ...(env.TELEGRAM_API_ROOT ? { apiRoot: env.TELEGRAM_API_ROOT } : {}),
          mode: env.WEBHOOK_PUBLIC_URL ? 'webhook' : 'polling',
          ...(env.WEBHOOK_PUBLIC_URL ? { webhookPublicUrl: env.WEBHOOK_PUBLIC_URL } : {}),
          ...(env.WEBHOOK_SECRET ? { webhookSecret: env.WEBHOOK_SECRET } : {}),
        }
      : { kind: 'fake' },
    sandbox: { host: env.SANDBOX_HOST, port: env.SANDBOX_PORT },
    mediaPort: env.MEDIA_PORT,
    uploadLimitBytes: env.TELEGRAM_UPLOAD_LIMIT_BYTES,
    allowLoopbackLinks: !token || env.MEDIABOT_ALLOW_LOOPBACK_LINKS,
    workDir: env.MEDIABOT_WORK_DIR ?? join(repositoryRoot, '.mediabot', 'run'),
    logLevel: env.LOG_LEVEL,
  };
}
