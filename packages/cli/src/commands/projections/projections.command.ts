import { parseCommandLine } from '../../args.ts';
import type { Command } from '../../command.ts';
import {
  findRepoRoot,
  listServicesWithProjections,
  loadServiceProjections,
} from '../../discovery/service-projections.ts';

export const projectionsCommand: Command = {
  name: 'projections',
  summary: 'list the projections services declare (what rebuild can rebuild)',
  help: `Usage: mediabot projections

Lists, per service, the projections its package.json declares ("mediabot": { "projections":
"./src/projections.ts" }): name, schema, tables and the event types it reads.`,
  async run(argv, context) {
    const { values } = parseCommandLine('projections', argv, {}, { min: 0, max: 0 });
    if (values.help) {
      context.stdout.write(`${projectionsCommand.help}\n`);
      return 0;
    }
    const repoRoot = findRepoRoot(context.cwd);
    const services = await listServicesWithProjections(repoRoot);
    if (services.length === 0)
      context.stdout.write(`No service in ${repoRoot}/services declares projections.\n`);
    for (const service of services) {
      const { projections } = await loadServiceProjections(repoRoot, service);
      for (const projection of projections) {
        context.stdout.write(
          `${service}  ${projection.name}  tables ${projection.tables.map((table) => `${projection.schema}.${table}`).join(', ')}  from ${projection.eventTypes.join(', ')}\n`,
        );
      }
    }
    return 0;
  },
};
