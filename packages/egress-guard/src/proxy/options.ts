import { z } from 'zod';
import type { BlockedRange } from '../address-policy/index.ts';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has. Injected in tests; `dns.lookup` otherwise. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** What the proxy logs through; a pino logger fits. */
export interface EgressLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  debug?(fields: object, message: string): void;
}

export type ProxyKind = 'http' | 'connect';

/** Why the policy refused a request (the `X-Egress-Refused` header). */
export type RefusalReason =
  'invalid_target' | 'scheme_not_allowed' | 'port_not_allowed' | 'blocked_address' | 'proxy_loop';

/** Why an allowed request could not be carried out. */
export type FailureReason =
  'unresolvable' | 'connect_failed' | 'connect_timeout' | 'upstream_failed';

/** Metrics hooks. Exceptions thrown here are swallowed: metrics never break the proxy. */
export interface EgressObserver {
  refused(info: { kind: ProxyKind; reason: RefusalReason; range?: BlockedRange }): void;
  forwarded?(info: { kind: ProxyKind }): void;
  failed?(info: { kind: ProxyKind; reason: FailureReason }): void;
}

const isFunction = (value: unknown): boolean => typeof value === 'function';
const hasMethods =
  (...names: string[]) =>
  (value: unknown): boolean =>
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');

const port = z.number().int().min(0).max(65_535);
const milliseconds = z.number().int().positive();

export const egressProxyOptionsSchema = z.object({
  /** Interface to listen on. Keep it on loopback: only the local yt-dlp should use the proxy. */
  host: z.string().min(1),
  port,
  /** CIDRs reachable despite the policy: tests and local runs ONLY (e.g. `127.0.0.1/32`). */
  allowList: z.array(z.string()).readonly(),
  /** Destination ports allowed besides 80 and 443. */
  allowedPorts: z.array(port.min(1)).readonly().default([]),
  connectTimeoutMs: milliseconds,
  resolveTimeoutMs: milliseconds.default(5_000),
  /** A connection (either side) with no traffic for this long is closed. */
  idleTimeoutMs: milliseconds.default(120_000),
  /** Time allowed for a client to send its request headers. */
  headersTimeoutMs: milliseconds.default(15_000),
  /** Largest request or upstream response header block, in bytes. */
  maxHeaderBytes: z.number().int().min(1_024).max(65_536).default(16_384),
  maxConnections: z.number().int().positive().default(256),
  resolver: z.custom<Resolver>(isFunction, 'resolver must be a function').optional(),
  logger: z
    .custom<EgressLogger>(hasMethods('info', 'warn'), 'logger needs info and warn')
    .optional(),
  observer: z.custom<EgressObserver>(hasMethods('refused'), 'observer needs refused').optional(),
});

export type EgressProxyOptions = z.input<typeof egressProxyOptionsSchema>;
export type EgressProxyConfig = z.output<typeof egressProxyOptionsSchema>;
