import type { Store } from '../../src/store/db.js';
import { EVENT_TYPES, loadSignInDims, serializeSignIn } from '../../src/reporting/records.js';

/** A stored sign-in flattened for assertions: the old one-table shape, and the whole beta record as JSON in `details`. */
export interface FlatSignIn {
  tenant_id: string;
  id: string;
  created_at: number;
  event_type: string;
  user_id: string | null;
  user_principal_name: string | null;
  user_display_name: string | null;
  app_id: string | null;
  app_display_name: string | null;
  service_principal_id: string | null;
  ip_address: string | null;
  client_app_used: string;
  resource_id: string | null;
  resource_display_name: string | null;
  correlation_id: string;
  error_code: number;
  failure_reason: string | null;
  /** the beta Graph record, as JSON */
  details: string;
}

/** Every stored sign-in matching the given facts (read straight from the store, all event types). */
export async function signInRows(store: Store, where: { tenantId?: string; correlationIds?: string[]; appId?: string } = {}): Promise<FlatSignIn[]> {
  let q = store.db.selectFrom('sign_ins').innerJoin('log_tenants', 'log_tenants.ref', 'sign_ins.tenant_ref').selectAll('sign_ins').select('log_tenants.tenant_id');
  if (where.tenantId) q = q.where('log_tenants.tenant_id', '=', where.tenantId);
  if (where.correlationIds) q = q.where('sign_ins.correlation_id', 'in', where.correlationIds.length ? where.correlationIds.map((c) => c.toLowerCase()) : ['-']);
  const rows = await q.orderBy('sign_ins.seq').execute();
  const dims = await loadSignInDims(store.signInDims, rows);
  const out = rows.map((r) => {
    const g = serializeSignIn(r, dims, { version: 'beta', tenantId: r.tenant_id, p2: true, caData: true, unknownEnums: true });
    const user = r.user_ref === null ? undefined : dims.users.get(r.user_ref);
    const app = r.app_ref === null ? undefined : dims.apps.get(r.app_ref);
    const resource = r.resource_ref === null ? undefined : dims.resources.get(r.resource_ref);
    const status = dims.statuses.get(r.status_ref)!;
    return {
      tenant_id: r.tenant_id, id: r.id, created_at: r.created_at, event_type: EVENT_TYPES[r.event_type]!,
      user_id: user?.user_id ?? null, user_principal_name: user?.user_principal_name ?? null, user_display_name: user?.user_display_name ?? null,
      app_id: app?.app_id ?? null, app_display_name: app?.app_display_name ?? null, service_principal_id: app?.service_principal_id ?? null,
      ip_address: r.ip_address, client_app_used: String(g.clientAppUsed), resource_id: resource?.resource_id ?? null,
      resource_display_name: resource?.resource_display_name ?? null, correlation_id: r.correlation_id, error_code: status.error_code,
      failure_reason: status.failure_reason, details: JSON.stringify(g),
    };
  });
  return where.appId ? out.filter((r) => r.app_id === where.appId) : out;
}
