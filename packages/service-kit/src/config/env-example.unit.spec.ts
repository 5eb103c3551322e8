import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baseConfigSchema } from './base-config.ts';
import { loadConfig } from './load-config.ts';

const lines = readFileSync(new URL('../../../../.env.example', import.meta.url), 'utf8').split(
  '\n',
);
const assignments = lines.flatMap((line, index) => {
  const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
  return match?.[1]
    ? [{ name: match[1], value: match[2] ?? '', comment: lines[index - 1] ?? '' }]
    : [];
});

describe('.env.example', () => {
  it('documents every shared variable with a comment', () => {
    const documented = new Map(assignments.map((assignment) => [assignment.name, assignment]));
    for (const name of Object.keys(baseConfigSchema.shape)) {
      expect(documented.get(name)?.comment, name).toMatch(/^# /);
    }
  });

  it('holds values the shared schema accepts', () => {
    const env = Object.fromEntries(assignments.map(({ name, value }) => [name, value]));
    expect(() => loadConfig(baseConfigSchema, env)).not.toThrow();
  });
});
