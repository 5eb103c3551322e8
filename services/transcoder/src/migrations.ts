import type { Migration } from 'kysely/migration';

export const transcoderSchema = 'transcoder';

/** The transcoder keeps no read model: its schema holds only the inbox. */
export const migrations: Record<string, Migration> = {};
