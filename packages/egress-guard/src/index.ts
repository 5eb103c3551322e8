export {
  checkAddress,
  createAllowList,
  isBlockedAddress,
  type AddressVerdict,
  type AllowList,
  type BlockedRange,
} from './address-policy/index.ts';
export { EgressError, type EgressErrorCode } from './errors/index.ts';
export {
  blockedHostReason,
  maxUrlLength,
  validateUrlText,
  type BlockedNameReason,
  type ValidateUrlOptions,
} from './url/index.ts';
export {
  egressProxyOptionsSchema,
  startEgressProxy,
  systemResolver,
  type EgressLogger,
  type EgressObserver,
  type EgressProxy,
  type EgressProxyConfig,
  type EgressProxyOptions,
  type FailureReason,
  type ProxyKind,
  type RefusalReason,
  type ResolvedAddress,
  type Resolver,
} from './proxy/index.ts';
