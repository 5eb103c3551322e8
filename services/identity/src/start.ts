import { registry } from '@mediabot/contracts';
import { openEventInfrastructure } from '@mediabot/event-service';
import { createEventStore, migrateProjection, startProjection } from '@mediabot/eventstore';
import type { ServiceContext } from '@mediabot/service-kit';
import type { IdentityConfig } from './config.ts';
import { projections } from './projections.ts';
import { registrationTriggers } from './registration/decide-registration.ts';
import { handleRegistration } from './registration/registration.handler.ts';

export async function startIdentity(context: ServiceContext<IdentityConfig>): Promise<void> {
  const { config, logger, shutdown } = context;
  const infrastructure = await openEventInfrastructure(context, { schema: 'identity' });
  for (const projection of projections) {
    await migrateProjection(infrastructure.db, projection);
    const subscription = startProjection({
      db: infrastructure.db,
      connectionString: config.DATABASE_URL,
      store: infrastructure.store,
      projection,
      registry,
      onError: (error) =>
        logger.error({ err: error, projection: projection.name }, 'Projection failed; retrying'),
    });
    shutdown.register(`projection ${projection.name}`, () => subscription.stop());
  }
  await infrastructure.consume({
    bindings: registrationTriggers,
    // Appended in the consumer's transaction: the events commit with the inbox row, and readers
    // are woken at that commit rather than before the events are visible.
    handler: (message, { trx }) => handleRegistration(createEventStore(trx), message),
  });
}
