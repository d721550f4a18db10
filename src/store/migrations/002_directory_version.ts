import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A per-tenant counter bumped by every directory change, so readers can cache what it versions. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tenants').addColumn('directory_version', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tenants').dropColumn('directory_version').execute();
}
