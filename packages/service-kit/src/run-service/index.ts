export {
  runService,
  type RunServiceOptions,
  type ServiceContext,
  type StartResult,
} from './run-service.ts';
