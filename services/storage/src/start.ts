import { openEventInfrastructure } from '@mediabot/event-service';
import {
  createObjectStorage,
  objectStorageOptionsOf,
  type ObjectStorage,
} from '@mediabot/object-storage';
import type { ServiceContext, StartResult } from '@mediabot/service-kit';
import type { CachePolicy } from './cache/cache-entry.ts';
import type { CacheDependencies } from './cache/cache-store.ts';
import { runCleanup, scheduleCleanup } from './cleanup/cleanup.ts';
import type { StorageConfig } from './config.ts';
import { createStorageHandler, storageBindings } from './handler.ts';
import { migrations, storageSchema } from './migrations.ts';

/** How long an object no entry uses any more is kept for an upload that may still read it. */
const deletionGraceMs = 60 * 60_000;

export function cachePolicyOf(config: StorageConfig): CachePolicy {
  return {
    uploadLimitBytes: config.TELEGRAM_UPLOAD_LIMIT_BYTES,
    defaultTtlMs: config.CACHE_TTL_DEFAULT,
    popularTtlMs: config.CACHE_TTL_POPULAR,
    popularHits: config.CACHE_POPULAR_HITS,
    fetchStaleAfterMs: config.FETCH_STALE_AFTER,
  };
}

export interface StorageOptions {
  now?: () => Date;
  /** Test seams: an object store to use instead of one built from the config. */
  objects?: ObjectStorage;
  beforeAppend?: CacheDependencies['beforeAppend'];
  concurrency?: number;
}

/**
 * storage: owns the cache (media + format → object, file id, hits, expiry) and the requests
 * waiting on fetches; answers format selections, issues links for files over the upload limit,
 * handles cancellations and cleans up expired entries and old raw downloads.
 */
export async function startStorage(
  context: ServiceContext<StorageConfig>,
  options: StorageOptions = {},
): Promise<StartResult> {
  const { config, logger, shutdown } = context;
  const now = options.now ?? (() => new Date());
  const infra = await openEventInfrastructure(context, { schema: storageSchema, migrations });

  const objects =
    options.objects ??
    createObjectStorage({
      ...objectStorageOptionsOf(config),
      publicEndpoint: config.S3_PUBLIC_ENDPOINT,
      now,
    });
  await objects.ensureBuckets();
  context.addReadinessCheck({ name: 's3', check: () => objects.check() });

  const policy = cachePolicyOf(config);
  const deps: CacheDependencies = {
    now,
    policy,
    linkTtlSeconds: Math.floor(config.LINK_TTL / 1000),
    deletionGraceMs,
    objects,
    ...(options.beforeAppend ? { beforeAppend: options.beforeAppend } : {}),
  };

  const cleanup = scheduleCleanup({
    db: infra.db,
    intervalMs: config.CLEANUP_INTERVAL,
    run: () =>
      runCleanup({
        db: infra.db,
        objects,
        policy,
        now,
        rawObjectTtlMs: config.RAW_OBJECT_TTL,
        deletionGraceMs,
      }),
    onReport: (report) => logger.info(report, 'cache cleanup'),
    onError: (error) => logger.warn({ err: error }, 'cache cleanup failed; next interval retries'),
  });
  shutdown.register('cache cleanup', () => cleanup.stop());

  await infra.consume({
    bindings: storageBindings,
    handler: createStorageHandler(deps),
    // Entries lock their own rows, so messages about different media run side by side.
    concurrency: options.concurrency ?? 4,
  });
  return {};
}
