import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registry } from '../events/index.ts';
import { renderCatalogue } from './render-catalogue.ts';
import { cataloguePath } from './write-catalogue.ts';

describe('docs/events.md', () => {
  it('is the catalogue the registry renders (run `pnpm --filter @mediabot/contracts catalogue` when this fails)', () => {
    expect(readFileSync(cataloguePath, 'utf8')).toBe(renderCatalogue(registry));
  });

  it('lists every registered type', () => {
    const catalogue = renderCatalogue(registry);
    for (const definition of registry.definitions)
      expect(catalogue).toContain(`## ${definition.type}`);
  });
});
