export * from './config/index.ts';
export * from './logging/index.ts';
export * from './metrics/index.ts';
export * from './health/index.ts';
export * from './shutdown/index.ts';
export * from './telemetry/index.ts';
export * from './run-service/index.ts';
