import type { Executor, Store } from '../store/db.js';
import { insertSignIn, type SignInRow } from '../store/repositories/logs.js';
import { describeUserAgent } from './userAgent.js';

export type SignInEventType = 'interactiveUser' | 'nonInteractiveUser' | 'servicePrincipal';

export interface SignInEvent {
  id: string;
  tenantId: string;
  createdAt: number;
  eventType: SignInEventType;
  correlationId: string;
  /** the request id of this token request (Entra's originalRequestId / trace id) */
  requestId: string;
  ipAddress: string | null;
  userAgent: string | null;
  clientAppUsed: string;
  authenticationProtocol: 'none' | 'ropc' | 'oAuth2';
  clientCredentialType: 'none' | 'clientSecret';
  user?: { id: string | null; userPrincipalName: string; displayName: string | null };
  app?: { appId: string; displayName: string | null; servicePrincipalId: string | null };
  resource?: { appId: string; displayName: string; servicePrincipalId: string | null };
  credentialKeyId?: string | null;
  status: { errorCode: number; failureReason: string | null; additionalDetails?: string | null };
  uniqueTokenIdentifier?: string | null;
  processingTimeMs?: number;
}


/** Persists a sign-in within ex, the transaction whose commit must precede the response. */
export async function recordSignIn(ex: Executor, e: SignInEvent): Promise<void> {
  await insertSignIn(ex, toRow(e));
}

/** At most n code points (never splitting a surrogate pair), for length-limited columns. */
function clip(v: string | null | undefined, n: number): string | null {
  if (v === null || v === undefined) return null;
  if (v.length <= n) return v;
  return Array.from(v).slice(0, n).join('');
}

function toRow(e: SignInEvent): SignInRow {
  const device = describeUserAgent(e.userAgent);
  // what the caller typed is recorded, lower-cased first and then cut to the column's size
  return {
    tenant_id: e.tenantId,
    id: e.id,
    created_at: e.createdAt,
    event_type: e.eventType,
    user_id: e.user?.id ?? null,
    user_principal_name: clip(e.user?.userPrincipalName.toLowerCase(), 320),
    user_display_name: clip(e.user?.displayName, 256),
    app_id: clip(e.app?.appId, 36),
    app_display_name: clip(e.app?.displayName, 256),
    service_principal_id: e.app?.servicePrincipalId ?? null,
    ip_address: clip(e.ipAddress, 64),
    client_app_used: e.clientAppUsed,
    resource_id: e.resource?.appId ?? null,
    resource_display_name: e.resource?.displayName ?? null,
    correlation_id: e.correlationId,
    error_code: e.status.errorCode,
    failure_reason: e.status.failureReason,
    details: JSON.stringify({
      isInteractive: e.eventType === 'interactiveUser',
      userAgent: clip(e.userAgent, 512) ?? '',
      deviceDetail: { deviceId: '', displayName: '', operatingSystem: device.operatingSystem, browser: device.browser, isCompliant: false, isManaged: false, trustType: '' },
      authenticationProtocol: e.authenticationProtocol,
      clientCredentialType: e.clientCredentialType,
      authenticationRequirement: 'singleFactorAuthentication',
      servicePrincipalCredentialKeyId: e.credentialKeyId ?? '',
      resourceServicePrincipalId: e.resource?.servicePrincipalId ?? '',
      originalRequestId: e.requestId,
      uniqueTokenIdentifier: e.uniqueTokenIdentifier ?? '',
      processingTimeInMilliseconds: e.processingTimeMs ?? 0,
      additionalDetails: e.status.additionalDetails ?? null,
    }),
  };
}

const MAX_BATCH = 500;

interface Pending {
  row: SignInRow;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: sign-ins that arrive while a commit is in flight are written together in the next
 * transaction, so many token responses share one fsync. write() resolves only after the record's
 * transaction has committed. When a batch fails its rows are retried one by one, so only a record
 * that cannot be written fails its request (which then gets no token).
 */
export class SignInWriter {
  private queue: Pending[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly store: Store) {}

  write(e: SignInEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row: toRow(e), resolve, reject });
      this.running ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    // let the requests that are being handled right now join the first batch
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.store.appendSignIns(batch.map((p) => p.row));
        for (const p of batch) p.resolve();
      } catch (err) {
        if (batch.length === 1) {
          batch[0]!.reject(err);
          continue;
        }
        // one bad row must not fail its neighbours: write them one by one
        for (const p of batch) await this.store.appendSignIns([p.row]).then(p.resolve, p.reject);
      }
    }
    this.running = null;
  }
}
