import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableServices, freePort, repositoryRoot } from '@mediabot/local-stack';
import {
  createTestDatabase,
  createTestVhost,
  spawnNode,
  type ChildHandle,
  type TestDatabase,
  type TestVhost,
} from '@mediabot/testing';
import type { MessageView } from '../message-view.ts';
import {
  descendantsOf,
  listProcesses,
  processesWithEnvironment,
  type ProcessInfo,
} from '../process-table.ts';
import { openEventStream } from '../testing/event-stream-client.ts';

// `node scripts/up.ts` as a person runs it (what `./dev up` execs), in the background, on a fresh
// database and RabbitMQ vhost, with its own ports, prefix and work directory.

const upScript = join(repositoryRoot, 'scripts', 'up.ts');
const testRunVariable = 'MEDIABOT_UP_TEST_RUN';

let database: TestDatabase;
let vhost: TestVhost;
let workDir: string;
const children: ChildHandle[] = [];

beforeAll(async () => {
  [database, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
  workDir = await mkdtemp(join(tmpdir(), 'mediabot-up-'));
});

afterAll(async () => {
  await Promise.all(children.map((child) => child.kill('SIGKILL')));
  await Promise.all([database?.drop(), vhost?.remove()]);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function startUp(extra: Record<string, string> = {}) {
  const runId = randomUUID();
  const [sandboxPort, mediaPort] = [await freePort(), await freePort()];
  const child = spawnNode(upScript, {
    cwd: repositoryRoot,
    env: {
      DATABASE_URL: database.url,
      RABBITMQ_URL: vhost.url,
      RABBITMQ_PREFIX: `up${basename(workDir)
        .replace(/[^a-z0-9]/gi, '')
        .toLowerCase()}`,
      MEDIABOT_WORK_DIR: workDir,
      SANDBOX_PORT: String(sandboxPort),
      MEDIA_PORT: String(mediaPort),
      LOG_LEVEL: 'warn',
      TELEGRAM_BOT_TOKEN: '',
      [testRunVariable]: runId,
      ...extra,
    },
  });
  children.push(child);
  return { child, runId, sandboxPort, mediaPort };
}

const failureReport = (child: ChildHandle) =>
  `stdout:\n${child.stdout.slice(-40).join('\n')}\nstderr:\n${child.stderr.slice(-40).join('\n')}`;

describe('node scripts/up.ts', () => {
  it('becomes ready, answers a message through the fake Bot API, and leaves nothing behind on Ctrl-C', async () => {
    const { child, runId, sandboxPort } = await startUp();
    const ready = await child.waitForLine(/ready: open the sandbox chat at (\S+)/, 240_000);
    const sandboxUrl = /(http:\/\/\S+)/.exec(ready)![1]!;
    expect(sandboxUrl).toBe(`http://127.0.0.1:${sandboxPort}/`);

    // Every service is its own process under the run, out of the launcher's process group (a
    // terminal's Ctrl-C reaches the launcher only, which passes one SIGINT on to the run).
    const running: ProcessInfo[] = descendantsOf(child.pid, await listProcesses());
    expect(running.every((info) => info.pgid !== child.pid)).toBe(true);
    const commandLines = running.map((info) => info.commandLine).join('\n');
    for (const service of availableServices()) {
      expect(commandLines).toContain(join('services', service, 'src', 'main.ts'));
    }
    expect(commandLines).toContain(join('relay', 'main.ts'));

    // A person writes /start in the sandbox; the bot answers.
    const chatId = 4242;
    const stream = await openEventStream(new URL(`api/chats/${chatId}/events`, sandboxUrl).href);
    try {
      await stream.waitFor('snapshot');
      const sent = await fetch(new URL(`api/chats/${chatId}/messages`, sandboxUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: '/start', language: 'es' }),
      });
      expect(sent.status).toBe(202);
      const answer = await stream.waitFor<MessageView>(
        'message',
        (message) => message.sender === 'bot',
        60_000,
      );
      expect(answer.text.length).toBeGreaterThan(10);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${failureReport(child)}`);
    } finally {
      stream.close();
    }

    // Ctrl-C in a terminal: SIGINT to the foreground process group.
    process.kill(-child.pid, 'SIGINT');
    const exit = await child.exited;
    expect(exit, failureReport(child)).toEqual({ code: 0, signal: null });
    const output = child.stdout.join('\n');
    expect(output).toContain('stopped; no process left behind');
    // Each service got one orderly stop, not a second signal cutting its shutdown short.
    expect(output).not.toMatch(/second signal|did not stop within/);

    // Nothing it started lives on: not its children (by pid), not its process group, and no
    // process carrying its environment (yt-dlp and ffmpeg run in groups of their own).
    const after = (await listProcesses()).filter((info) => !info.zombie);
    const alive = new Set(after.map((info) => info.pid));
    expect(running.filter((info) => alive.has(info.pid))).toEqual([]);
    const groups = new Set([child.pid, ...running.map((info) => info.pgid)]);
    expect(after.filter((info) => groups.has(info.pgid))).toEqual([]);
    expect(await processesWithEnvironment(testRunVariable, runId, after)).toEqual([]);
  });

  it('says which port is taken and how to choose another', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const { child } = await startUp({ MEDIA_PORT: String(taken) });
      const exit = await child.exited;
      expect(exit.code).toBe(1);
      const stderr = child.stderr.join('\n');
      expect(stderr).toContain(`port ${taken} (MEDIA_PORT) is already in use`);
      expect(stderr).toContain(`MEDIA_PORT=${taken + 1} ./dev up`);
    } finally {
      blocker.close();
    }
  });

  it('names bad settings and exits before starting anything', async () => {
    const { child } = await startUp({ TELEGRAM_BOT_TOKEN: 'not-a-token', SANDBOX_PORT: 'x' });
    const exit = await child.exited;
    expect(exit.code).toBe(2);
    const stderr = child.stderr.join('\n');
    expect(stderr).toMatch(/TELEGRAM_BOT_TOKEN: must look like/);
    expect(stderr).toMatch(/SANDBOX_PORT/);
  });
});
