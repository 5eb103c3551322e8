export { EgressError, type EgressErrorCode } from './egress-error.ts';
