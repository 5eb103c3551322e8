import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registry } from '../events/index.ts';
import { renderCatalogue } from './render-catalogue.ts';

export const cataloguePath = fileURLToPath(new URL('../../../../docs/events.md', import.meta.url));

if (import.meta.main) {
  writeFileSync(cataloguePath, renderCatalogue(registry));
  console.log(`wrote ${cataloguePath}`);
}
