import { Kysely, sql } from 'kysely';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or times out) when it does not. */
  check(): Promise<void>;
}

/** A pg Pool or Client: anything with `query(text)`. */
export interface SqlQueryable {
  query(text: string): Promise<unknown>;
}

export function postgresCheck<DB>(
  db: SqlQueryable | Kysely<DB>,
  name = 'postgres',
): ReadinessCheck {
  return {
    name,
    async check() {
      if (db instanceof Kysely) await sql`select 1`.execute(db);
      else await db.query('select 1');
    },
  };
}

/** `isConnected` reports the state the RabbitMQ connection manager already tracks. */
export function rabbitCheck(
  isConnected: () => boolean | Promise<boolean>,
  name = 'rabbitmq',
): ReadinessCheck {
  return {
    name,
    async check() {
      if (!(await isConnected())) throw new Error('not connected to RabbitMQ');
    },
  };
}

/** An ioredis client. A client that is not `ready` fails at once rather than queueing the ping. */
export interface RedisPingable {
  readonly status?: string;
  ping(): Promise<unknown>;
}

export function redisCheck(redis: RedisPingable, name = 'redis'): ReadinessCheck {
  return {
    name,
    async check() {
      if (redis.status !== undefined && redis.status !== 'ready') {
        throw new Error(`redis connection is ${redis.status}`);
      }
      await redis.ping();
    },
  };
}
