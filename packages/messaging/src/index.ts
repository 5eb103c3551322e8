export * from './topology/index.ts';
export * from './connection/index.ts';
export * from './relay/index.ts';
export * from './consumer/index.ts';
export { MessagingError, type MessagingErrorCode } from './shared/errors.ts';
export { headerNames, headerText, type AmqpHeaders } from './shared/headers.ts';
export { silentLogger, withFields, type MessagingLogger } from './shared/logger.ts';
