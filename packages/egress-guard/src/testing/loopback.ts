import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';

/** Test helpers on loopback only: nothing here may send traffic anywhere else. */

export interface Origin {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  /** Every request the origin received: path and headers. */
  readonly requests: { path: string; headers: IncomingHttpHeaders }[];
  /** TCP connections accepted, requests or not. */
  connections(): number;
  close(): Promise<void>;
}

export type OriginHandler = (request: IncomingMessage, response: ServerResponse) => void;

const answerWithOwnName =
  (name: string): OriginHandler =>
  (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(`hello from ${name}`);
  };

/** A plain HTTP server on a loopback address, counting what reaches it. */
export async function startOrigin(
  host: string,
  options: { port?: number; handler?: OriginHandler } = {},
): Promise<Origin> {
  const requests: Origin['requests'] = [];
  let connections = 0;
  const handler = options.handler ?? answerWithOwnName(host);
  const server = createServer((request, response) => {
    requests.push({ path: request.url ?? '', headers: request.headers });
    handler(request, response);
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    url: `http://${host}:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface PlainReply {
  readonly status: number;
  readonly statusMessage: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** `GET <absolute url>` sent to the proxy, as a client configured with an HTTP proxy does. */
export function getViaProxy(
  proxyUrl: string,
  targetUrl: string,
  headers: Record<string, string> = {},
): Promise<PlainReply> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: proxy.hostname,
        port: proxy.port,
        method: 'GET',
        path: targetUrl,
        headers: { host: URL.parse(targetUrl)?.host ?? proxy.host, ...headers },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            statusMessage: response.statusMessage ?? '',
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}

export interface TunnelReply {
  readonly status: number;
  readonly statusMessage: string;
  /** Lower-cased header names. */
  readonly headers: Record<string, string>;
  /** The proxy's refusal body, or what came back through the tunnel. */
  readonly body: string;
}

/**
 * `CONNECT authority` sent to the proxy; when the tunnel opens, `payload` is written through it
 * and everything that comes back until the tunnel closes is the body.
 */
export function connectViaProxy(
  proxyUrl: string,
  authority: string,
  payload: string,
): Promise<TunnelReply> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: proxy.hostname, port: Number(proxy.port) });
    let received = Buffer.alloc(0);
    let head: Omit<TunnelReply, 'body'> | undefined;
    let bodyStart = 0;
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (head !== undefined) return;
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine = '', ...lines] = received
        .subarray(0, end)
        .toString('latin1')
        .split('\r\n');
      const status = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine);
      head = {
        status: Number(status?.[1] ?? 0),
        statusMessage: status?.[2] ?? '',
        headers: Object.fromEntries(
          lines.map((line) => {
            const colon = line.indexOf(':');
            return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
          }),
        ),
      };
      bodyStart = end + 4;
      if (head.status === 200) socket.write(payload);
    });
    socket.on('close', () => {
      if (head === undefined) reject(new Error('the proxy closed without answering CONNECT'));
      else resolve({ ...head, body: received.subarray(bodyStart).toString('utf8') });
    });
  });
}

/** A request line and headers to send through a CONNECT tunnel. */
export function plainGet(host: string, path = '/'): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
}
