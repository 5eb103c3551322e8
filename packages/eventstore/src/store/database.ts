import type { Kysely, Transaction } from 'kysely';

// The store and projections run schema-qualified raw SQL, so they accept any caller's typed
// Kysely instance rather than imposing a table map.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDatabase = Kysely<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTransaction = Transaction<any>;
