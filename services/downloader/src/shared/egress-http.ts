import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { EgressError, validateUrlText, type AllowList } from '@mediabot/egress-guard';
import { MediaError } from '@mediabot/media-tools';

export interface EgressPolicy {
  allowList: AllowList;
  allowedPorts: readonly number[];
}

export interface EgressRequest {
  url: string;
  method: 'GET' | 'HEAD';
  headers: Readonly<Record<string, string>>;
  /** The egress proxy every connection goes through (it checks each resolved address). */
  proxyUrl: string;
  /** The URL check the probe applies to a link, applied here to every redirect too. */
  egress: EgressPolicy;
  signal: AbortSignal;
  /** A connection silent for this long fails (default 20 s, like yt-dlp's socket timeout). */
  socketTimeoutMs?: number | undefined;
}

export interface EgressResponse {
  /** The answer after redirects: any status but a redirect. The caller reads or destroys it. */
  response: IncomingMessage;
  /** Where it came from. */
  url: URL;
  /** Frees the connections; call once the body is read or abandoned. */
  close: () => void;
}

const maxRedirects = 5;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
// Headers that describe a connection, or that we set ourselves.
const droppedHeaders = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'transfer-encoding',
  'te',
  'upgrade',
  'content-length',
  'accept-encoding',
  'range',
]);

/** The egress proxy's answer for a destination it refuses, as the error users are told about. */
function egressRefusalOf(response: IncomingMessage): EgressError | undefined {
  const refused = response.headers['x-egress-refused'];
  if (typeof refused !== 'string') return undefined;
  const code = refused === 'port_not_allowed' ? 'port_not_allowed' : 'blocked_address';
  return new EgressError(code, `The egress policy refused the media's address (${refused})`, {
    reason: refused,
  });
}

export function unreachable(
  cause: unknown,
  message = 'The site could not be reached.',
): MediaError {
  return new MediaError('site_unreachable', { message, retryable: true, cause });
}

/**
 * One request through the egress proxy (Node's proxy-aware agents), following redirects, each
 * checked like the link. Throws EgressError when the policy refuses a hop, MediaError
 * `site_unreachable` when a hop cannot be reached, `timed_out` when the socket goes silent.
 */
export async function requestThroughEgress(request: EgressRequest): Promise<EgressResponse> {
  const agents = {
    http: new HttpAgent({ proxyEnv: { HTTP_PROXY: request.proxyUrl } }),
    https: new HttpsAgent({ proxyEnv: { HTTPS_PROXY: request.proxyUrl } }),
  };
  const close = (): void => {
    agents.http.destroy();
    agents.https.destroy();
  };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (!droppedHeaders.has(name.toLowerCase())) headers[name] = value;
  }
  headers['Accept-Encoding'] = 'identity';
  try {
    let url = request.url;
    for (let hop = 0; hop <= maxRedirects; hop += 1) {
      // Throws EgressError for a URL the policy refuses by its text (scheme, port, literal address).
      const target = validateUrlText(url, request.egress);
      const response = await send(target, request, headers, agents).catch((error: unknown) => {
        if (error instanceof MediaError || request.signal.aborted) throw error;
        throw unreachable(error);
      });
      const refusal = egressRefusalOf(response);
      if (refusal !== undefined) {
        response.resume();
        throw refusal;
      }
      if (typeof response.headers['x-egress-error'] === 'string') {
        response.resume();
        throw unreachable(new Error(`egress proxy: ${response.headers['x-egress-error']}`));
      }
      const status = response.statusCode ?? 0;
      if (redirectStatuses.has(status) && typeof response.headers.location === 'string') {
        response.resume();
        url = new URL(response.headers.location, target).href;
        continue;
      }
      return { response, url: target, close };
    }
    throw unreachable(new Error('too many redirects'), 'The site redirects in circles.');
  } catch (error) {
    close();
    throw error;
  }
}

function send(
  target: URL,
  request: EgressRequest,
  headers: Record<string, string>,
  agents: { http: HttpAgent; https: HttpsAgent },
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const options = { method: request.method, headers, signal: request.signal };
    const outgoing =
      target.protocol === 'https:'
        ? httpsRequest(target, { ...options, agent: agents.https })
        : httpRequest(target, { ...options, agent: agents.http });
    outgoing.setTimeout(request.socketTimeoutMs ?? 20_000, () => {
      outgoing.destroy(new MediaError('timed_out', { message: 'The site stopped answering.' }));
    });
    outgoing.once('response', resolve);
    outgoing.once('error', reject);
    outgoing.end();
  });
}

export function headerNumber(response: IncomingMessage, name: string): number | undefined {
  const value = response.headers[name];
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
