import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventServiceConfigSchema } from '@mediabot/event-service';
import { loadConfig } from '@mediabot/service-kit';
import { configSchema } from './config.ts';

const lines = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8').split('\n');
const assignment = /^([A-Z][A-Z0-9_]*)=(.*)$/;
/** The comment above a variable (several may share one, as S3_ACCESS_KEY and S3_SECRET_KEY do). */
const commentAbove = (index: number): string => {
  let above = index - 1;
  while (above >= 0 && assignment.test(lines[above] ?? '')) above -= 1;
  return lines[above] ?? '';
};
const documented = new Map(
  lines.flatMap((line, index) => {
    const match = assignment.exec(line);
    return match?.[1] ? [[match[1], { value: match[2] ?? '', comment: commentAbove(index) }]] : [];
  }),
);
const ownVariables = Object.keys(configSchema.shape).filter(
  (name) => !(name in eventServiceConfigSchema.shape),
);

describe('notifier configuration', () => {
  it.each(ownVariables)('%s is documented in .env.example', (name) => {
    expect(documented.get(name)?.comment).toMatch(/^# /);
  });

  it('accepts the example values once the secrets are filled in', () => {
    const env: Record<string, string> = Object.fromEntries(
      [...documented].map(([name, { value }]) => [name, value]),
    );
    const config = loadConfig(configSchema, {
      ...env,
      TELEGRAM_BOT_TOKEN: '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      S3_ACCESS_KEY: 'access',
      S3_SECRET_KEY: 'secret',
    });
    expect(config).toMatchObject({
      TELEGRAM_UPLOAD_LIMIT_BYTES: 50 * 1024 * 1024,
      PROGRESS_EDIT_INTERVAL: 3000,
      RATE_PER_CHAT_PER_SECOND: 1,
      RATE_GLOBAL_PER_SECOND: 30,
      TELEGRAM_MAX_WAIT_MS: 30_000,
    });
  });
});
