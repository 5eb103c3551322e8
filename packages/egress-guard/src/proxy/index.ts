export { startEgressProxy, systemResolver, type EgressProxy } from './egress-proxy.ts';
export {
  egressProxyOptionsSchema,
  type EgressLogger,
  type EgressObserver,
  type EgressProxyConfig,
  type EgressProxyOptions,
  type FailureReason,
  type ProxyKind,
  type RefusalReason,
  type ResolvedAddress,
  type Resolver,
} from './options.ts';
