import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableServices, repositoryRoot, serviceNodeOptions } from './stack.ts';

describe('serviceNodeOptions', () => {
  it.each(availableServices())('are the options the %s image starts Node with', (service) => {
    const dockerfile = readFileSync(
      join(repositoryRoot, 'services', service, 'Dockerfile'),
      'utf8',
    );
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', ...serviceNodeOptions, 'src/main.ts']);
  });
});
