import { connect } from 'node:net';

export type WebhookReachability =
  { reachable: true; ipAddress: string } | { reachable: false; reason: string };

/** Telegram answers setWebhook only once it could open a connection to the URL. */
export function checkWebhookReachable(url: URL, timeoutMs: number): Promise<WebhookReachability> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (result: WebhookReachability): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      finish({ reachable: false, reason: 'Connection timed out' }),
    );
    socket.once('connect', () =>
      finish({ reachable: true, ipAddress: socket.remoteAddress ?? host }),
    );
    socket.once('error', (error: NodeJS.ErrnoException) => {
      switch (error.code ?? '') {
        case 'ECONNREFUSED':
          return finish({ reachable: false, reason: 'Connection refused' });
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
          return finish({
            reachable: false,
            reason: 'Failed to resolve host: Name or service not known',
          });
        default:
          return finish({ reachable: false, reason: error.message });
      }
    });
  });
}
