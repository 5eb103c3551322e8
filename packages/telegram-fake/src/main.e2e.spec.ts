import { spawnNode } from '@mediabot/testing';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('telegram-fake standalone', () => {
  it('prints its URL, serves the Bot API there and stops on SIGTERM', async () => {
    const token = '424242:AAE-standalone-token-for-the-cli-test';
    const child = spawnNode(MAIN, { env: { TELEGRAM_FAKE_PORT: '0', TELEGRAM_FAKE_TOKEN: token } });
    const line = await child.waitForLine(/telegram-fake listening/, 20_000);
    const { url, generatedToken } = JSON.parse(line) as { url: string; generatedToken?: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(generatedToken).toBeUndefined();

    const answer = (await (await fetch(`${url}/bot${token}/getMe`)).json()) as {
      result: { id: number };
    };
    expect(answer.result.id).toBe(424242);
    expect(await child.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('refuses a bad environment, naming the variable', async () => {
    const child = spawnNode(MAIN, { env: { TELEGRAM_FAKE_PORT: 'eighty' } });
    expect((await child.exited).code).toBe(2);
    expect(child.stderr.join('\n')).toMatch(/TELEGRAM_FAKE_PORT/);
  });
});
