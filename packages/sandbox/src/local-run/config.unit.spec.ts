import { describe, expect, it } from 'vitest';
import { localRunConfig, LocalRunConfigError } from './config.ts';

const root = '/repo';

describe('localRunConfig', () => {
  it('runs everything on loopback with the fake Telegram when nothing is set', () => {
    const config = localRunConfig({}, root);
    expect(config).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/mediabot',
      prefix: 'mediabot',
      telegram: { kind: 'fake' },
      sandbox: { host: '127.0.0.1', port: 8080 },
      mediaPort: 8090,
      allowLoopbackLinks: true,
      workDir: '/repo/.mediabot/run',
      uploadLimitBytes: 50 * 1024 * 1024,
    });
    expect(config.s3).toBeUndefined();
  });

  it('uses real Telegram by polling with a token, by webhook with a public URL', () => {
    const token = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc';
    expect(localRunConfig({ TELEGRAM_BOT_TOKEN: token }, root).telegram).toEqual({
      kind: 'real',
      token,
      mode: 'polling',
    });
    const webhook = localRunConfig(
      {
        TELEGRAM_BOT_TOKEN: token,
        WEBHOOK_PUBLIC_URL: 'https://bot.example.org/telegram',
        WEBHOOK_SECRET: 's3cret_-',
      },
      root,
    );
    expect(webhook.telegram).toMatchObject({
      mode: 'webhook',
      webhookPublicUrl: 'https://bot.example.org/telegram',
      webhookSecret: 's3cret_-',
    });
    // A real bot does not fetch loopback links unless asked to.
    expect(webhook.allowLoopbackLinks).toBe(false);
    expect(
      localRunConfig({ TELEGRAM_BOT_TOKEN: token, MEDIABOT_ALLOW_LOOPBACK_LINKS: 'true' }, root)
        .allowLoopbackLinks,
    ).toBe(true);
  });

  it('treats empty variables (as in a copied .env.example) as unset', () => {
    const config = localRunConfig({ TELEGRAM_BOT_TOKEN: '', S3_ENDPOINT: '' }, root);
    expect(config.telegram.kind).toBe('fake');
    expect(config.s3).toBeUndefined();
  });

  it('uses external S3 when all its settings are given', () => {
    expect(
      localRunConfig(
        { S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY: 'a', S3_SECRET_KEY: 'b' },
        root,
      ).s3,
    ).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      accessKey: 'a',
      secretKey: 'b',
      region: 'us-east-1',
    });
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      localRunConfig(
        {
          TELEGRAM_BOT_TOKEN: 'nope',
          SANDBOX_PORT: 'eighty',
          DATABASE_URL: 'not a url',
        },
        root,
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LocalRunConfigError);
    const problems = (error as LocalRunConfigError).problems.join('\n');
    expect(problems).toMatch(/TELEGRAM_BOT_TOKEN: must look like/);
    expect(problems).toMatch(/SANDBOX_PORT/);
    expect(problems).toMatch(/DATABASE_URL/);
  });

  it('wants S3 settings all together or not at all', () => {
    expect(() => localRunConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000' }, root)).toThrow(
      /S3_ENDPOINT: give S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY together/,
    );
  });

  it('refuses a webhook without a bot token', () => {
    expect(() =>
      localRunConfig({ WEBHOOK_PUBLIC_URL: 'https://bot.example.org/telegram' }, root),
    ).toThrow(/WEBHOOK_PUBLIC_URL: a webhook needs a real bot/);
  });
});
