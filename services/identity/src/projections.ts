import type { ProjectionDefinition } from '@mediabot/eventstore';
import { usersProjection } from './users/users.projection.ts';

/** Every read model identity keeps; `mediabot rebuild identity` finds them here. */
export const projections: ProjectionDefinition[] = [usersProjection];
