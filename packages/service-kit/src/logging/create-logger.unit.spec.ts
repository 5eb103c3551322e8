import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from './create-logger.ts';
import { withLogContext } from './log-context.ts';
import { maskUrlCredentials, scrubSecrets } from './redaction.ts';

const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq';

function capturingLogger(level: LogLevel = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'test-service',
    level,
    destination: { write: (line: string) => void lines.push(line) },
  });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

describe('createLogger', () => {
  it('writes JSON lines with service, level label and time', () => {
    const { logger, records } = capturingLogger();
    logger.info({ count: 3 }, 'hello');
    expect(records()).toEqual([
      expect.objectContaining({ service: 'test-service', level: 'info', msg: 'hello', count: 3 }),
    ]);
    expect(records()[0]?.['time']).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/));
  });

  it('respects the level', () => {
    const { logger, lines } = capturingLogger('warn');
    logger.info('quiet');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
  });

  it('redacts secret keys at the top level and one level down', () => {
    const { logger, lines, records } = capturingLogger();
    logger.info(
      {
        token: 'tok-1',
        password: 'pw-1',
        TELEGRAM_BOT_TOKEN: 'env-token',
        user: { token: 'tok-2', secret: 'sec-2', name: 'ann' },
        req: { headers: { authorization: 'Bearer abc', accept: 'json' } },
      },
      'with secrets',
    );
    const output = lines.join('');
    for (const secret of ['tok-1', 'pw-1', 'env-token', 'tok-2', 'sec-2', 'Bearer abc']) {
      expect(output).not.toContain(secret);
    }
    expect(records()[0]).toMatchObject({
      token: '[redacted]',
      user: { token: '[redacted]', secret: '[redacted]', name: 'ann' },
      req: { headers: { authorization: '[redacted]', accept: 'json' } },
    });
  });

  it('masks credentials in URLs wherever they appear', () => {
    const { logger, lines, records } = capturingLogger();
    logger
      .child({ databaseUrl: 'postgres://app:pg-pass@db:5432/x' })
      .info(
        { target: { url: 'amqp://guest:rabbit-pass@rabbit:5672' } },
        'connecting to redis://:redis-pass@cache:6379',
      );
    const output = lines.join('');
    for (const secret of ['pg-pass', 'rabbit-pass', 'redis-pass'])
      expect(output).not.toContain(secret);
    expect(records()[0]).toMatchObject({
      databaseUrl: 'postgres://[redacted]@db:5432/x',
      target: { url: 'amqp://[redacted]@rabbit:5672' },
      msg: 'connecting to redis://[redacted]@cache:6379',
    });
  });

  it('masks Telegram bot tokens in messages and errors', () => {
    const { logger, lines, records } = capturingLogger();
    const error = new Error(`request to https://api.telegram.org/bot${BOT_TOKEN}/getMe failed`);
    logger.error({ err: error }, `token ${BOT_TOKEN} rejected`);
    logger.warn({ error: new Error(BOT_TOKEN) }, 'second');
    expect(lines.join('')).not.toContain(BOT_TOKEN);
    const [first, second] = records();
    expect(first).toMatchObject({
      msg: 'token [redacted] rejected',
      err: {
        type: 'Error',
        message: 'request to https://api.telegram.org/bot[redacted]/getMe failed',
      },
    });
    expect(second).toMatchObject({ error: { message: '[redacted]' } });
  });

  it('stamps the correlation id of the surrounding context on every line, across awaits', async () => {
    const { logger, records } = capturingLogger();
    logger.info('outside');
    await withLogContext({ correlationId: 'corr-1' }, async () => {
      logger.info('first');
      await new Promise((resolve) => setImmediate(resolve));
      await withLogContext({ correlationId: 'corr-1', eventId: 'evt-1' }, async () => {
        await Promise.resolve();
        logger.child({ component: 'handler' }).info('nested');
      });
      logger.info('after nested');
    });

    expect(
      records().map(({ msg, correlationId, eventId }) => ({ msg, correlationId, eventId })),
    ).toEqual([
      { msg: 'outside', correlationId: undefined, eventId: undefined },
      { msg: 'first', correlationId: 'corr-1', eventId: undefined },
      { msg: 'nested', correlationId: 'corr-1', eventId: 'evt-1' },
      { msg: 'after nested', correlationId: 'corr-1', eventId: undefined },
    ]);
  });

  it('keeps contexts of concurrent work apart', async () => {
    const { logger, records } = capturingLogger();
    const work = (id: string) =>
      withLogContext({ correlationId: id }, async () => {
        await new Promise((resolve) => setImmediate(resolve));
        logger.info(id);
      });
    await Promise.all([work('a'), work('b'), work('c')]);
    for (const record of records()) expect(record['correlationId']).toBe(record['msg']);
  });
});

describe('scrubSecrets', () => {
  it('leaves ordinary text and URLs alone', () => {
    const text = 'see https://example.org/a@b and user@example.org at 12:30';
    expect(scrubSecrets(text)).toBe(text);
  });

  it('masks user-only and user:password credentials', () => {
    expect(maskUrlCredentials('postgresql://user@db/x')).toBe('postgresql://[redacted]@db/x');
    expect(maskUrlCredentials('a amqps://u:p%40ss@h b')).toBe('a amqps://[redacted]@h b');
  });
});
