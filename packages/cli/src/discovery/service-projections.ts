import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { ProjectionDefinition } from '@mediabot/eventstore';
import { CliError } from '../context.ts';

const serviceName = /^[a-z][a-z0-9-]*$/;

const manifestSchema = z.object({
  name: z.string(),
  mediabot: z.object({ projections: z.string().min(1) }).optional(),
});

const isFunction = (value: unknown) => typeof value === 'function';

const projectionSchema = z.looseObject({
  name: z.string().min(1),
  schema: z.string().regex(/^[a-z_][a-z0-9_]*$/),
  tables: z.array(z.string().min(1)).min(1),
  eventTypes: z.array(z.string()),
  migrations: z.custom<ProjectionDefinition['migrations']>(isFunction, 'must be a function'),
  apply: z.custom<ProjectionDefinition['apply']>(isFunction, 'must be a function'),
});

const projectionsModuleSchema = z.looseObject({ projections: z.array(projectionSchema) });

/** The workspace root above `startDir` (it holds pnpm-workspace.yaml), else the CLI's own. */
export function findRepoRoot(startDir: string): string {
  for (let dir = resolve(startDir); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) && existsSync(join(dir, 'services'))) {
      return dir;
    }
    if (dirname(dir) === dir) break;
  }
  return resolve(import.meta.dirname, '../../../..');
}

export interface ServiceProjections {
  service: string;
  projections: ProjectionDefinition[];
}

async function readManifest(path: string) {
  const text = await readFile(path, 'utf8');
  const parsed = manifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new CliError('invalid_projection_module', `${path}: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Services whose package.json declares `"mediabot": { "projections": … }`. */
export async function listServicesWithProjections(repoRoot: string): Promise<string[]> {
  const servicesDir = join(repoRoot, 'services');
  const entries = await readdir(servicesDir, { withFileTypes: true }).catch(() => []);
  const services: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const manifestPath = join(servicesDir, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
    if ((await readManifest(manifestPath)).mediabot) services.push(entry.name);
  }
  return services;
}

/** Imports the service's projections module by path: the CLI never depends on a service. */
export async function loadServiceProjections(
  repoRoot: string,
  service: string,
): Promise<ServiceProjections> {
  if (!serviceName.test(service)) {
    throw new CliError('usage', `"${service}" is not a service name.`);
  }
  const serviceDir = join(repoRoot, 'services', service);
  const manifestPath = join(serviceDir, 'package.json');
  if (!existsSync(manifestPath)) {
    throw new CliError('not_found', `There is no service "${service}" (no ${manifestPath}).`);
  }
  const manifest = await readManifest(manifestPath);
  if (!manifest.mediabot) {
    throw new CliError(
      'not_found',
      `Service "${service}" declares no projections ("mediabot": { "projections": "./src/projections.ts" } in its package.json).`,
    );
  }
  const modulePath = resolve(serviceDir, manifest.mediabot.projections);
  const loaded: unknown = await import(pathToFileURL(modulePath).href);
  const parsed = projectionsModuleSchema.safeParse(loaded);
  if (!parsed.success) {
    throw new CliError(
      'invalid_projection_module',
      `${modulePath} must export \`projections: ProjectionDefinition[]\`: ${z.prettifyError(parsed.error)}`,
    );
  }
  return { service, projections: (loaded as { projections: ProjectionDefinition[] }).projections };
}
