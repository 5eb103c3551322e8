import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { UserRegistered } from '@mediabot/contracts';
import { startConsumer } from '../consumer/consumer.ts';
import { jsonLineLogger } from '../shared/json-logger.ts';
import { countingHandler } from './fixtures.ts';

/**
 * A consumer process for crash tests: counts UserRegistered events into `<schema>.counts`.
 * CONSUMER_FAULT=kill-after-commit makes it SIGKILL itself once a handler's transaction committed.
 */
const env = process.env;
const required = (name: string): string => {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};
const schema = required('INBOX_SCHEMA');
const logger = jsonLineLogger((line) => process.stdout.write(line), 'debug');
const pool = new pg.Pool({ connectionString: required('DATABASE_URL'), max: 2 });
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test schema
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });

const consumer = startConsumer({
  amqp: required('RABBITMQ_URL'),
  prefix: required('RABBITMQ_PREFIX'),
  consumer: required('CONSUMER_NAME'),
  bindings: [UserRegistered.type],
  db,
  inboxSchema: schema,
  handler: countingHandler(schema),
  logger,
  hooks:
    env.CONSUMER_FAULT === 'kill-after-commit'
      ? {
          afterCommit: () => {
            logger.warn({}, 'Fault injection: killing the consumer after commit, before ack');
            process.kill(process.pid, 'SIGKILL');
          },
        }
      : {},
});

process.once('SIGTERM', () => {
  void consumer
    .stop()
    .then(() => db.destroy())
    .then(() => process.exit(0));
});
