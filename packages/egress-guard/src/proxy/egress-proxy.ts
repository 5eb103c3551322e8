import { randomUUID } from 'node:crypto';
import { promises as dns } from 'node:dns';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { pipeline, type Duplex } from 'node:stream';
import { z } from 'zod';
import {
  canonicalIp,
  checkAddress,
  createAllowList,
  parseIp,
  type BlockedRange,
} from '../address-policy/index.ts';
import { EgressError } from '../errors/index.ts';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.ts';
import {
  egressProxyOptionsSchema,
  type EgressProxyOptions,
  type FailureReason,
  type ProxyKind,
  type RefusalReason,
  type ResolvedAddress,
  type Resolver,
} from './options.ts';
import { ipLiteralOf, parseForwardTarget, parseTunnelTarget } from './target.ts';

export interface EgressProxy {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`: the value for `yt-dlp --proxy`. */
  readonly url: string;
  /** Stops listening and cuts every open connection and tunnel. */
  close(): Promise<void>;
}

/** Every address the operating system's resolver gives for a name, in its own order. */
export const systemResolver: Resolver = async (hostname) => {
  const answers = await dns.lookup(hostname, { all: true, order: 'verbatim' });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

interface Refusal {
  readonly reason: RefusalReason;
  readonly range?: BlockedRange;
  readonly detail: string;
}

interface Failure {
  readonly reason: FailureReason;
  readonly detail: string;
}

type Decision =
  | { readonly outcome: 'allowed'; readonly addresses: readonly ResolvedAddress[] }
  | { readonly outcome: 'refused'; readonly refusal: Refusal }
  | { readonly outcome: 'failed'; readonly failure: Failure };

interface PlainResponse {
  readonly status: number;
  readonly statusMessage: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const failureStatus: Record<FailureReason, number> = {
  unresolvable: 502,
  connect_failed: 502,
  connect_timeout: 504,
  upstream_failed: 502,
};

class ConnectTimeoutError extends Error {}

/**
 * An HTTP forward proxy that lets a request out only to public addresses. For each request it
 * resolves the host once, refuses when any answer is blocked (403 with `X-Egress-Refused`),
 * and connects to a verified address, never to the name again, so a DNS answer that changes
 * between check and use cannot redirect the connection. Plain `GET http://...` requests are
 * forwarded; `CONNECT host:port` opens a tunnel. Each redirect hop is a new request through
 * the proxy and is checked again.
 */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const parsed = egressProxyOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new EgressError('invalid_proxy_options', z.prettifyError(parsed.error));
  }
  const config = parsed.data;
  const allowList = createAllowList(config.allowList);
  const allowedPorts = new Set([80, 443, ...config.allowedPorts]);
  const resolver = config.resolver ?? systemResolver;
  const { logger, observer } = config;
  // A token of this proxy instance in `Via`: a request that carries it has looped back to us.
  const via = `1.1 egress-guard-${randomUUID().slice(0, 8)}`;
  const sockets = new Set<Socket>();
  let ownEndpoint: { port: number; addresses: Set<string>; anyLoopback: boolean } = {
    port: -1,
    addresses: new Set(),
    anyLoopback: false,
  };

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const notify = (report: () => void): void => {
    try {
      report();
    } catch {
      // A failing metrics hook must not change what the proxy does.
    }
  };

  const isOwnEndpoint = (address: string, port: number): boolean =>
    port === ownEndpoint.port &&
    (ownEndpoint.addresses.has(canonicalIp(address)) ||
      (ownEndpoint.anyLoopback && isLoopback(address)));

  async function decide(
    kind: ProxyKind,
    hostname: string,
    port: number,
    viaHeader: string | undefined,
  ): Promise<Decision> {
    if (viaHeader?.includes(via) === true) {
      return refused('proxy_loop', 'the request has already passed through this proxy');
    }
    if (!allowedPorts.has(port)) return refused('port_not_allowed', `port ${port} is not allowed`);

    const literal = ipLiteralOf(hostname);
    let answers: readonly ResolvedAddress[];
    if (literal === null) {
      try {
        answers = await withTimeout(resolver(hostname), config.resolveTimeoutMs, 'DNS lookup');
      } catch (error) {
        return failed('unresolvable', `${hostname} could not be resolved: ${messageOf(error)}`);
      }
      if (answers.length === 0) return failed('unresolvable', `${hostname} has no addresses`);
    } else {
      answers = [{ address: literal, family: parseIp(literal)?.family === 6 ? 6 : 4 }];
    }

    const verified: ResolvedAddress[] = [];
    for (const answer of answers) {
      if (isOwnEndpoint(answer.address, port)) {
        return refused('proxy_loop', `${hostname}:${port} is this proxy`);
      }
      const verdict = checkAddress(answer.address, allowList);
      if (verdict.blocked) {
        const spelled = literal === null ? `${hostname} resolves to ${verdict.address}` : hostname;
        return refused('blocked_address', `${spelled}, a ${verdict.range} address`, verdict.range);
      }
      verified.push({ address: verdict.address, family: parseIp(verdict.address)?.family ?? 4 });
    }
    logger?.debug?.({ kind, host: hostname, port, addresses: verified }, 'egress allowed');
    return { outcome: 'allowed', addresses: verified };
  }

  function refuse(kind: ProxyKind, target: string, refusal: Refusal): PlainResponse {
    notify(() =>
      observer?.refused({
        kind,
        reason: refusal.reason,
        ...(refusal.range === undefined ? {} : { range: refusal.range }),
      }),
    );
    logger?.warn(
      { kind, target, reason: refusal.reason, range: refusal.range, detail: refusal.detail },
      'egress refused',
    );
    const label =
      refusal.range === undefined ? refusal.reason : `${refusal.reason}: ${refusal.range}`;
    return {
      status: refusal.reason === 'invalid_target' ? 400 : 403,
      statusMessage: `Egress Refused (${label})`,
      headers: {
        'x-egress-refused': refusal.reason,
        ...(refusal.range === undefined ? {} : { 'x-egress-blocked-range': refusal.range }),
      },
      body: `egress-guard refused ${target}: ${refusal.detail}\n`,
    };
  }

  function fail(kind: ProxyKind, target: string, failure: Failure): PlainResponse {
    notify(() => observer?.failed?.({ kind, reason: failure.reason }));
    logger?.info({ kind, target, reason: failure.reason, detail: failure.detail }, 'egress failed');
    return {
      status: failureStatus[failure.reason],
      statusMessage: `Egress Failed (${failure.reason})`,
      headers: { 'x-egress-error': failure.reason },
      body: `egress-guard could not reach ${target}: ${failure.detail}\n`,
    };
  }

  async function connectToVerified(
    addresses: readonly ResolvedAddress[],
    port: number,
  ): Promise<Socket | Failure> {
    let lastError: unknown;
    for (const { address, family } of addresses) {
      try {
        const socket = await connectOnce(address, family, port, config.connectTimeoutMs, track);
        // The socket must be connected to exactly the address that was checked.
        if (canonicalIp(socket.remoteAddress ?? '') === canonicalIp(address)) return socket;
        socket.destroy();
        lastError = new Error(`connected to ${socket.remoteAddress} instead of ${address}`);
      } catch (error) {
        lastError = error;
      }
    }
    return {
      reason: lastError instanceof ConnectTimeoutError ? 'connect_timeout' : 'connect_failed',
      detail: messageOf(lastError),
    };
  }

  async function forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const kind = 'http';
    const target = parseForwardTarget(request.url ?? '');
    if (typeof target === 'string') {
      const detail =
        target === 'scheme_not_allowed'
          ? 'only http:// targets are forwarded; use CONNECT for https'
          : 'the request target is not an absolute http:// URL';
      return sendPlain(response, refuse(kind, 'the request target', { reason: target, detail }));
    }
    const label = `${target.hostname}:${target.port}`;
    const decision = await decide(kind, target.hostname, target.port, request.headers.via);
    if (decision.outcome === 'refused')
      return sendPlain(response, refuse(kind, label, decision.refusal));
    if (decision.outcome === 'failed')
      return sendPlain(response, fail(kind, label, decision.failure));

    const socket = await connectToVerified(decision.addresses, target.port);
    if (!isSocket(socket)) return sendPlain(response, fail(kind, label, socket));
    if (response.destroyed) {
      socket.destroy();
      return;
    }
    socket.setTimeout(config.idleTimeoutMs, () => socket.destroy());
    notify(() => observer?.forwarded?.({ kind }));

    const upstream = httpRequest({
      createConnection: () => socket,
      method: request.method ?? 'GET',
      path: target.path,
      headers: upstreamRequestHeaders(request.headers, target.host, via),
      maxHeaderSize: config.maxHeaderBytes,
    });
    upstream.on('response', (upstreamResponse) => {
      response.writeHead(
        upstreamResponse.statusCode ?? 502,
        upstreamResponse.statusMessage ?? '',
        downstreamResponseHeaders(upstreamResponse.rawHeaders),
      );
      pipeline(upstreamResponse, response, (error) => {
        if (error) socket.destroy();
      });
    });
    upstream.on('error', (error) => {
      if (response.headersSent) response.destroy();
      else {
        const failure = { reason: 'upstream_failed' as const, detail: messageOf(error) };
        sendPlain(response, fail(kind, label, failure));
      }
    });
    pipeline(request, upstream, (error) => {
      if (error) socket.destroy();
    });
  }

  async function tunnel(request: IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    const kind = 'connect';
    client.on('error', () => client.destroy());
    const target = parseTunnelTarget(request.url ?? '');
    if (typeof target === 'string') {
      const detail = 'CONNECT needs host:port';
      return sendRaw(client, refuse(kind, 'the CONNECT target', { reason: target, detail }));
    }
    const label = `${target.hostname}:${target.port}`;
    const decision = await decide(kind, target.hostname, target.port, request.headers.via);
    if (decision.outcome === 'refused')
      return sendRaw(client, refuse(kind, label, decision.refusal));
    if (decision.outcome === 'failed') return sendRaw(client, fail(kind, label, decision.failure));

    const upstream = await connectToVerified(decision.addresses, target.port);
    if (!isSocket(upstream)) return sendRaw(client, fail(kind, label, upstream));
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    notify(() => observer?.forwarded?.({ kind }));
    for (const [side, other] of [
      [upstream, client],
      [client, upstream],
    ] as const) {
      side.setTimeout(config.idleTimeoutMs, () => side.destroy());
      side.on('error', () => other.destroy());
      side.on('close', (hadError) => (hadError ? other.destroy() : other.end()));
    }
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  }

  const server = createServer({
    maxHeaderSize: config.maxHeaderBytes,
    headersTimeout: config.headersTimeoutMs,
  });
  server.maxConnections = config.maxConnections;
  server.timeout = config.idleTimeoutMs;
  server.on('connection', track);
  server.on('request', (request, response) => {
    forward(request, response).catch((error: unknown) => {
      logger?.warn({ error: messageOf(error) }, 'egress proxy request crashed');
      response.destroy();
    });
  });
  server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => {
    tunnel(request, client as Socket, head).catch((error: unknown) => {
      logger?.warn({ error: messageOf(error) }, 'egress proxy tunnel crashed');
      client.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const boundAnywhere = bound.address === '0.0.0.0' || bound.address === '::';
  ownEndpoint = {
    port: bound.port,
    addresses: new Set(
      boundAnywhere ? localInterfaceAddresses().map(canonicalIp) : [canonicalIp(bound.address)],
    ),
    anyLoopback: boundAnywhere,
  };
  const urlHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  logger?.info({ address: bound.address, port: bound.port }, 'egress proxy listening');

  return {
    host: bound.address,
    port: bound.port,
    url: `http://${urlHost}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };

  function refused(reason: RefusalReason, detail: string, range?: BlockedRange): Decision {
    return {
      outcome: 'refused',
      refusal: range === undefined ? { reason, detail } : { reason, detail, range },
    };
  }

  function failed(reason: FailureReason, detail: string): Decision {
    return { outcome: 'failed', failure: { reason, detail } };
  }
}

function connectOnce(
  address: string,
  family: 4 | 6,
  port: number,
  timeoutMs: number,
  track: (socket: Socket) => void,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // An IP literal as host: Node connects to it without any name lookup.
    const socket = netConnect({
      host: address,
      port,
      family,
      allowHalfOpen: true,
      autoSelectFamily: false,
    });
    track(socket);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectTimeoutError(`connecting to ${address}:${port} timed out`));
    }, timeoutMs);
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function sendPlain(response: ServerResponse, plain: PlainResponse): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.shouldKeepAlive = false;
  response.writeHead(plain.status, plain.statusMessage, {
    ...plain.headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(plain.body),
    'cache-control': 'no-store',
    connection: 'close',
  });
  response.end(plain.body);
}

function sendRaw(socket: Socket, plain: PlainResponse): void {
  const headers = {
    ...plain.headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(plain.body)),
    connection: 'close',
  };
  const head = [
    `HTTP/1.1 ${plain.status} ${plain.statusMessage}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  if (socket.destroyed) return;
  socket.end(`${head}\r\n\r\n${plain.body}`, () => socket.destroy());
}

function isSocket(value: Socket | Failure): value is Socket {
  return 'remoteAddress' in value;
}

function isLoopback(address: string): boolean {
  const verdict = checkAddress(address);
  return verdict.blocked && verdict.range === 'loopback';
}

function localInterfaceAddresses(): string[] {
  const addresses = ['0.0.0.0', '::'];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) addresses.push(entry.address);
  }
  return addresses;
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
