/**
 * Who is acting: the validated caller of a Graph request (from its access token), or the
 * operator's CLI. Domain code decides permissions from this alone.
 */
export interface ActorBase {
  tenantId: string;
  ipAddress: string | null;
  correlationId: string;
  userAgent?: string | null;
}

export interface UserActor extends ActorBase {
  kind: 'user';
  userId: string;
  userPrincipalName: string;
  displayName: string;
  /** directory role template ids (wids) */
  roles: readonly string[];
  /** delegated scopes granted to the client (scp) */
  scopes: ReadonlySet<string>;
  clientAppId: string;
}

export interface AppActor extends ActorBase {
  kind: 'app';
  appId: string;
  servicePrincipalId: string;
  displayName: string;
  /** application permissions (roles claim) */
  appRoles: ReadonlySet<string>;
  /** directory roles assigned to the service principal */
  roles: readonly string[];
}

export interface SystemActor extends ActorBase {
  kind: 'system';
  /** operator tool name, e.g. "tenantry CLI" */
  name: string;
}

export type Actor = UserActor | AppActor | SystemActor;
