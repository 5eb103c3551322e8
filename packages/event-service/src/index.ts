export { eventServiceConfigSchema, type EventServiceConfig } from './config.ts';
export {
  migrateServiceSchema,
  openEventInfrastructure,
  type EventInfrastructure,
  type ServiceConsumerOptions,
} from './infrastructure.ts';
