import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('tenant_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('license', 'varchar(8)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('domains')
    .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('is_initial', 'integer', (c) => c.notNull())
    .addColumn('is_verified', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('domains_tenant').on('domains').column('tenant_id').execute();

  await db.schema
    .createTable('users')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('user_principal_name', 'varchar(320)', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('given_name', 'text')
    .addColumn('surname', 'text')
    .addColumn('mail', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('account_enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('users_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('users_upn').unique().on('users').columns(['tenant_id', 'user_principal_name']).execute();

  await db.schema
    .createTable('role_assignments')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'varchar(64)', (c) => c.notNull())
    .addColumn('principal_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('role_definition_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('directory_scope_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_assignments_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('role_assignments_principal')
    .unique()
    .on('role_assignments')
    .columns(['tenant_id', 'principal_id', 'role_definition_id', 'directory_scope_id'])
    .execute();

  await db.schema
    .createTable('applications')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('app_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('sign_in_audience', 'varchar(64)', (c) => c.notNull())
    .addColumn('is_fallback_public_client', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('applications_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('applications_app_id').unique().on('applications').columns(['tenant_id', 'app_id']).execute();

  await db.schema
    .createTable('password_credentials')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('key_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('application_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('hint', 'varchar(8)', (c) => c.notNull())
    .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('password_credentials_pk', ['tenant_id', 'key_id'])
    .execute();
  await db.schema
    .createIndex('password_credentials_app')
    .on('password_credentials')
    .columns(['tenant_id', 'application_id'])
    .execute();

  await db.schema
    .createTable('service_principals')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('app_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('app_owner_organization_id', 'varchar(36)')
    .addColumn('service_principal_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull())
    .addColumn('public_client', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('service_principals_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('service_principals_app_id')
    .unique()
    .on('service_principals')
    .columns(['tenant_id', 'app_id'])
    .execute();

  await db.schema
    .createTable('app_role_assignments')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'varchar(64)', (c) => c.notNull())
    .addColumn('principal_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('principal_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('principal_display_name', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('resource_display_name', 'text', (c) => c.notNull())
    .addColumn('app_role_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_role_assignments_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('app_role_assignments_unique')
    .unique()
    .on('app_role_assignments')
    .columns(['tenant_id', 'principal_id', 'resource_id', 'app_role_id'])
    .execute();
  await db.schema
    .createIndex('app_role_assignments_resource')
    .on('app_role_assignments')
    .columns(['tenant_id', 'resource_id'])
    .execute();

  await db.schema
    .createTable('permission_grants')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'varchar(64)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('consent_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('principal_id', 'varchar(36)')
    .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('permission_grants_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('permission_grants_client')
    .on('permission_grants')
    .columns(['tenant_id', 'client_id', 'resource_id'])
    .execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('private_key_pem', 'text', (c) => c.notNull())
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('server_secrets')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('family_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').columns(['family_id']).execute();

  await db.schema
    .createTable('sign_ins')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('event_type', 'varchar(24)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(36)')
    .addColumn('user_principal_name', 'varchar(320)')
    .addColumn('user_display_name', 'text')
    .addColumn('app_id', 'varchar(36)')
    .addColumn('app_display_name', 'text')
    .addColumn('service_principal_id', 'varchar(36)')
    .addColumn('ip_address', 'varchar(64)')
    .addColumn('client_app_used', 'varchar(64)')
    .addColumn('resource_id', 'varchar(64)')
    .addColumn('resource_display_name', 'text')
    .addColumn('correlation_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('error_code', 'integer', (c) => c.notNull())
    .addColumn('failure_reason', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sign_ins_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('sign_ins_time')
    .on('sign_ins')
    .columns(['tenant_id', 'event_type', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('sign_ins_app')
    .on('sign_ins')
    .columns(['tenant_id', 'app_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('sign_ins_upn')
    .on('sign_ins')
    .columns(['tenant_id', 'user_principal_name', 'created_at'])
    .execute();
  await db.schema
    .createIndex('sign_ins_correlation')
    .on('sign_ins')
    .columns(['tenant_id', 'correlation_id'])
    .execute();

  await db.schema
    .createTable('directory_audits')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull().references('tenants.id'))
    .addColumn('id', 'varchar(128)', (c) => c.notNull())
    .addColumn('activity_at', 'bigint', (c) => c.notNull())
    .addColumn('category', 'varchar(64)', (c) => c.notNull())
    .addColumn('activity_display_name', 'text', (c) => c.notNull())
    .addColumn('operation_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('result', 'varchar(16)', (c) => c.notNull())
    .addColumn('result_reason', 'text', (c) => c.notNull())
    .addColumn('correlation_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('logged_by_service', 'varchar(64)', (c) => c.notNull())
    .addColumn('initiator_user_id', 'varchar(36)')
    .addColumn('initiator_user_principal_name', 'varchar(320)')
    .addColumn('initiator_app_id', 'varchar(36)')
    .addColumn('details', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('directory_audits_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('directory_audits_time')
    .on('directory_audits')
    .columns(['tenant_id', 'activity_at', 'id'])
    .execute();

  await db.schema
    .createTable('audit_targets')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('audit_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addPrimaryKeyConstraint('audit_targets_pk', ['tenant_id', 'audit_id', 'target_id'])
    .execute();
  await db.schema.createIndex('audit_targets_target').on('audit_targets').columns(['tenant_id', 'target_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'audit_targets', 'directory_audits', 'sign_ins', 'refresh_tokens', 'server_secrets', 'signing_keys',
    'permission_grants', 'app_role_assignments', 'service_principals', 'password_credentials',
    'applications', 'role_assignments', 'users', 'domains', 'tenants',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
