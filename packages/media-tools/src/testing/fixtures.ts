import { readFileSync } from 'node:fs';

/** Text of a committed fixture (captured tool output) under src/fixtures/. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}
