import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rabbitManagementUrl, serviceUrls } from './service-urls.ts';
import { isAbandonedTestName, uniqueTestName } from './unique-name.ts';

export interface TestVhost {
  /** AMQP URL pointing at the new vhost. */
  url: string;
  vhost: string;
  /** Deletes the vhost with everything in it. */
  remove(): Promise<void>;
}

interface VhostAdmin {
  create(vhost: string, user: string): Promise<void>;
  remove(vhost: string): Promise<void>;
  /** Deletes vhosts that crashed runs left behind (hours old). */
  removeAbandoned(): Promise<void>;
}

/**
 * A fresh RabbitMQ vhost per test file, on which the URL's user has full permissions. Uses the
 * management HTTP API; falls back to rabbitmqctl when the API does not answer.
 */
export async function createTestVhost(): Promise<TestVhost> {
  const { rabbitmq } = await serviceUrls();
  const admin = await vhostAdmin();
  const vhost = uniqueTestName();
  const amqpUrl = new URL(rabbitmq);
  const user = amqpUrl.username === '' ? 'guest' : decodeURIComponent(amqpUrl.username);
  await admin.create(vhost, user);
  sweptAbandoned ??= admin.removeAbandoned().catch(() => undefined);
  await sweptAbandoned;
  amqpUrl.pathname = `/${encodeURIComponent(vhost)}`;
  let removed: Promise<void> | undefined;
  return {
    url: amqpUrl.toString(),
    vhost,
    remove: () => (removed ??= admin.remove(vhost)),
  };
}

let sweptAbandoned: Promise<void> | undefined;
let chosenAdmin: Promise<VhostAdmin> | undefined;

function vhostAdmin(): Promise<VhostAdmin> {
  chosenAdmin ??= (async () => {
    const base = await rabbitManagementUrl();
    const http = managementApiAdmin(base);
    return (await http.answers()) ? http : rabbitmqctlAdmin();
  })();
  return chosenAdmin;
}

function managementApiAdmin(baseUrl: string): VhostAdmin & { answers(): Promise<boolean> } {
  const parsed = new URL(baseUrl);
  const authorization =
    'Basic ' +
    Buffer.from(
      `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`,
    ).toString('base64');
  const origin = `${parsed.protocol}//${parsed.host}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${origin}/api${path}`, {
      method,
      headers: { authorization, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok && !(method === 'DELETE' && response.status === 404)) {
      throw new Error(
        `RabbitMQ management API ${method} ${path} failed: ${response.status} ${await response.text()}`,
      );
    }
  };
  return {
    async answers() {
      try {
        const response = await fetch(`${origin}/api/overview`, {
          headers: { authorization },
          signal: AbortSignal.timeout(2_000),
        });
        return response.ok;
      } catch {
        return false;
      }
    },
    async create(vhost, user) {
      const name = encodeURIComponent(vhost);
      await call('PUT', `/vhosts/${name}`, {});
      await call('PUT', `/permissions/${name}/${encodeURIComponent(user)}`, {
        configure: '.*',
        write: '.*',
        read: '.*',
      });
    },
    async remove(vhost) {
      await call('DELETE', `/vhosts/${encodeURIComponent(vhost)}`);
    },
    async removeAbandoned() {
      const response = await fetch(`${origin}/api/vhosts?columns=name`, {
        headers: { authorization },
        signal: AbortSignal.timeout(15_000),
      });
      const vhosts = (await response.json()) as { name: string }[];
      for (const { name } of vhosts) {
        if (isAbandonedTestName(name)) await call('DELETE', `/vhosts/${encodeURIComponent(name)}`);
      }
    },
  };
}

function rabbitmqctlAdmin(): VhostAdmin {
  const run = (args: string[]) => promisify(execFile)('rabbitmqctl', args, { timeout: 60_000 });
  return {
    async create(vhost, user) {
      await run(['add_vhost', vhost]);
      await run(['set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
    },
    async remove(vhost) {
      await run(['delete_vhost', vhost]).catch((error: unknown) => {
        if (!String((error as { stderr?: unknown }).stderr).includes('does not exist')) throw error;
      });
    },
    async removeAbandoned() {
      const { stdout } = await run(['list_vhosts', '-q', '--no-table-headers']);
      for (const name of stdout.split('\n').map((line) => line.trim())) {
        if (isAbandonedTestName(name)) await this.remove(name);
      }
    },
  };
}
