import type { Actor } from '../directory/actor.js';
import type { ApplicationBody, RequiredResourceAccess } from '../directory/applications.js';
import { isAllowed, type Requirement } from '../directory/authz.js';
import { FIRST_PARTY_CLIENTS, GRAPH_PERMISSIONS, MICROSOFT_GRAPH_APP_ID, ROLE, roleTemplate } from '../directory/catalog.js';
import type { DirectoryContext } from '../directory/context.js';
import { badRequest, insufficientPrivileges } from '../directory/errors.js';
import { isValidDomain } from '../directory/tenants.js';
import { isGuid } from '../lib/guid.js';
import { isoTime } from '../lib/time.js';
import * as appsRepo from '../store/repositories/applications.js';
import * as spRepo from '../store/repositories/servicePrincipals.js';
import * as tenantsRepo from '../store/repositories/tenants.js';
import * as usersRepo from '../store/repositories/users.js';
import type { ApplicationRow } from '../store/repositories/applications.js';
import type { ServicePrincipalRow } from '../store/repositories/servicePrincipals.js';
import type { UserRow } from '../store/repositories/users.js';
import { REPORTING_ROLES, type AccessPolicy } from './access.js';

/**
 * `tenantry doctor`: walks the seed's prerequisites for one tenant, one client application and
 * optionally one user, in the article's order, and says for each failing step what to run. Read-only:
 * it never writes to the store. The same report backs `GET /tenantry/doctor`.
 */

export type DoctorStepId =
  | 'tenant' | 'licence' | 'application' | 'servicePrincipal' | 'clientSecret' | 'permission' | 'adminConsent'
  | 'user' | 'userEnabled' | 'userRole';

export interface DoctorStep {
  id: DoctorStepId;
  title: string;
  /** the prerequisite holds */
  ok: boolean;
  /** not evaluated, because a prerequisite it depends on failed (then ok is false) */
  skipped: boolean;
  detail: string;
  /** for a failed step: the tenantry command or Graph call that fixes it */
  fix?: string;
}

export interface DoctorReport {
  /** the tenant as given (id or domain) */
  tenant: string;
  clientId: string;
  user?: string;
  ok: boolean;
  steps: DoctorStep[];
}

export interface DoctorInput {
  /** tenant id or one of its domain names */
  tenant: string;
  /** the client application's appId */
  clientId: string;
  /** with a user: check the delegated path (user token through this client) instead of app-only */
  user?: string;
}

/** Only the store and the time: the doctor needs no secrets. */
export type DoctorContext = Pick<DirectoryContext, 'store' | 'clock'>;

const TITLES: Record<DoctorStepId, string> = {
  tenant: 'Tenant exists',
  licence: 'Licence for sign-in logs (Entra ID P1/P2, or a B2C tenant)',
  application: 'Application registered',
  servicePrincipal: 'Service principal exists',
  clientSecret: 'Client secret present and valid',
  permission: 'API permission configured (requiredResourceAccess)',
  adminConsent: 'Admin consent granted',
  user: 'User exists',
  userEnabled: 'User account enabled',
  userRole: 'User holds a reporting role',
};

const perm = (value: string) => {
  const p = GRAPH_PERMISSIONS.find((x) => x.value === value);
  if (!p?.roleId || !p.scopeId) throw new Error(`catalogue lacks ${value}`);
  return { value, roleId: p.roleId, scopeId: p.scopeId };
};
export const AUDIT_LOG_READ_ALL = perm('AuditLog.Read.All');
export const DIRECTORY_READ_ALL = perm('Directory.Read.All');
const DIRECTORY_READWRITE_ALL = perm('Directory.ReadWrite.All');

/** Callers of GET /tenantry/doctor: directory readers and application administrators, or apps that may read applications. */
export const DOCTOR_READERS = [ROLE.globalAdministrator, ROLE.globalReader, ROLE.applicationAdministrator, ROLE.cloudApplicationAdministrator] as const;
const DOCTOR_APP_PERMISSIONS = ['Application.Read.All', 'Directory.Read.All', 'Application.ReadWrite.All', 'Directory.ReadWrite.All'];

/**
 * Who may read a doctor report over HTTP: a user holding Global Administrator, Global Reader,
 * Application Administrator or Cloud Application Administrator through a token whose scopes let the
 * client read applications (Application.Read.All or Directory.Read.All, or their ReadWrite forms:
 * delegated access is the scope and the role together), or an app with one of those permissions.
 */
export function authorizeDoctor(actor: Actor): void {
  const allowed = actor.kind === 'user'
    ? actor.roles.some((r) => (DOCTOR_READERS as readonly string[]).includes(r)) && DOCTOR_APP_PERMISSIONS.some((p) => actor.scopes.has(p))
    : isAllowed(actor, { scopes: [], appRoles: DOCTOR_APP_PERMISSIONS } satisfies Requirement);
  if (!allowed) throw insufficientPrivileges();
}

const json = (v: unknown) => JSON.stringify(v);
const day = (ms: number) => isoTime(ms).slice(0, 10);
const roleName = (id: string) => roleTemplate(id)?.displayName ?? id;

/**
 * Runs every check. Throws only for input that is not a question at all (a client id that is not a
 * GUID): a missing tenant, app or user is a failed step in the report.
 */
export async function runDoctor(ctx: DoctorContext, input: DoctorInput, policy: AccessPolicy): Promise<DoctorReport> {
  const clientId = input.clientId.trim().toLowerCase();
  if (!isGuid(clientId)) throw badRequest(`The client id '${input.clientId.slice(0, 100)}' is not a GUID (an application's appId).`, 'BadRequest');
  if (input.user !== undefined && (input.user.length === 0 || input.user.length > 256 || /\s/.test(input.user) || [...input.user].some((c) => c.charCodeAt(0) < 0x20))) {
    throw badRequest('The user is not a user principal name (name@domain, at most 256 characters, no spaces).', 'BadRequest');
  }
  const db = ctx.store.db;
  const delegated = input.user !== undefined;
  const strict = policy.strictDirectoryRead;
  const steps: DoctorStep[] = [];
  const pass = (id: DoctorStepId, detail: string) => steps.push({ id, title: TITLES[id], ok: true, skipped: false, detail });
  const fail = (id: DoctorStepId, detail: string, fix?: string) =>
    steps.push({ id, title: TITLES[id], ok: false, skipped: false, detail, ...(fix !== undefined ? { fix } : {}) });
  const skip = (id: DoctorStepId, because: string) => steps.push({ id, title: TITLES[id], ok: false, skipped: true, detail: `skipped: ${because}` });
  const userSteps: DoctorStepId[] = delegated ? ['user', 'userEnabled', 'userRole'] : [];
  const report = (): DoctorReport => ({
    tenant: input.tenant, clientId, ...(delegated ? { user: input.user } : {}), ok: steps.every((s) => s.ok), steps,
  });

  // 1. tenant
  const key = input.tenant.trim().toLowerCase();
  const tenant = key.length > 255 || !/^[a-z0-9.-]+$/.test(key) ? undefined
    : isGuid(key) ? await tenantsRepo.getTenant(db, key) : await tenantsRepo.findTenantByDomain(db, key);
  if (!tenant) {
    const domain = isValidDomain(key) ? key : '<domain>';
    fail('tenant', `no tenant with id or domain '${input.tenant}' in this store${domain === '<domain>' ? ' (tenant ids are generated: create a tenant, then use its id or domain)' : ''}`,
      `tenantry tenant create --domain ${domain} --license P1`);
    for (const id of ['licence', 'application', 'servicePrincipal', 'clientSecret', 'permission', 'adminConsent', ...userSteps] as const) skip(id, 'the tenant does not exist');
    return report();
  }
  const tenantId = tenant.id;
  const domains = await tenantsRepo.listDomains(db, tenantId);
  const domain = domains.find((d) => d.is_default === 1)?.name ?? domains[0]?.name ?? '';
  pass('tenant', `${tenant.display_name} (${tenantId}), domain ${domain}`);

  // 2. licence: sign-ins need P1/P2 unless B2C; directory audits need none
  if (tenant.tenant_type === 'b2c') {
    pass('licence', `B2C tenant (licence ${tenant.license}): sign-ins are readable without a premium licence`);
  } else if (tenant.license !== 'none') {
    pass('licence', `licence ${tenant.license}: sign-ins and directory audits are readable`);
  } else {
    fail('licence',
      'no premium licence on a standard tenant: GET /v1.0/auditLogs/signIns answers 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant. ' +
      '/auditLogs/directoryAudits needs no licence and is readable without one.',
      `tenantry tenant license ${tenantId} P1`);
  }

  // 3. application (or one of Microsoft's first-party public clients, for the delegated path)
  const app = await appsRepo.findApplicationByAppId(db, tenantId, clientId);
  const firstParty = app ? undefined : FIRST_PARTY_CLIENTS.find((c) => c.appId === clientId);
  const wanted = (strict ? [AUDIT_LOG_READ_ALL, DIRECTORY_READ_ALL] : [AUDIT_LOG_READ_ALL])
    .map((p) => ({ id: delegated ? p.scopeId : p.roleId, type: delegated ? 'Scope' as const : 'Role' as const }));
  if (app) {
    pass('application', `${app.display_name}: application object ${app.id}, appId ${app.app_id}`);
  } else if (firstParty && delegated) {
    pass('application', `${firstParty.displayName}: Microsoft first-party public client, present in every tenant (no registration needed)`);
  } else {
    const register = `POST /v1.0/applications ${json({
      displayName: 'Reporting API application', signInAudience: 'AzureADMyOrg', web: { redirectUris: ['https://localhost'] },
      requiredResourceAccess: [{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: wanted }],
    })}`;
    fail('application', firstParty
      ? `${clientId} is ${firstParty.displayName}, a Microsoft first-party public client: it cannot use the client credentials flow. Check it with --user, or register an application of your own and use its appId`
      : `no application with appId ${clientId} in tenant ${tenantId} (appIds are generated when an application is registered: register one, then use its appId)`,
    register);
  }

  if (!app && !firstParty) {
    for (const id of ['servicePrincipal', 'clientSecret', 'permission', 'adminConsent'] as const) skip(id, 'the application is not registered');
  } else if (!app && !delegated) {
    for (const id of ['servicePrincipal', 'clientSecret', 'permission', 'adminConsent'] as const) skip(id, 'a first-party public client has no app-only access');
  } else {
    // 4. service principal
    const sp = await spRepo.findServicePrincipalByAppId(db, tenantId, clientId);
    if (sp) pass('servicePrincipal', `service principal ${sp.id}`);
    else fail('servicePrincipal', `application ${clientId} has no service principal in the tenant: its token requests fail with AADSTS7000229`, `POST /v1.0/servicePrincipals ${json({ appId: clientId })}`);

    // 5. client secret
    if (!app) pass('clientSecret', 'public client: signs users in without a secret');
    else if (delegated && app.is_fallback_public_client === 1) pass('clientSecret', 'public client (isFallbackPublicClient): user sign-in needs no secret');
    else await checkSecret(ctx, tenantId, app, pass, fail);

    // 6. requiredResourceAccess
    if (!app) pass('permission', `pre-authorised by Microsoft for Microsoft Graph delegated permissions, including ${AUDIT_LOG_READ_ALL.value}`);
    else checkDeclared(app, JSON.parse(app.body) as ApplicationBody, delegated, strict, pass, fail);

    // 7. admin consent
    const user = delegated ? await usersRepo.findUserByUpn(db, tenantId, input.user!) : undefined;
    if (!sp) skip('adminConsent', 'the application has no service principal');
    else if (firstParty) pass('adminConsent', `pre-authorised: ${firstParty.displayName} may receive ${AUDIT_LOG_READ_ALL.value} for any user (what the user can read then depends on the user's roles)`);
    else await checkConsent(ctx, tenantId, sp, delegated ? { user } : undefined, strict, pass, fail, skip);
  }

  // 8. the user (delegated path)
  if (delegated) await checkUser(ctx, tenantId, input.user!, pass, fail, skip);
  return report();
}

type Pass = (id: DoctorStepId, detail: string) => void;
type Fail = (id: DoctorStepId, detail: string, fix?: string) => void;
type Skip = (id: DoctorStepId, because: string) => void;

async function checkSecret(ctx: DoctorContext, tenantId: string, app: ApplicationRow, pass: Pass, fail: Fail): Promise<void> {
  const creds = await appsRepo.listPasswordCredentials(ctx.store.db, tenantId, app.id);
  const now = ctx.clock();
  const valid = creds.filter((c) => now >= c.start_at && now < c.end_at).sort((a, b) => b.end_at - a.end_at);
  const fix = `POST /v1.0/applications/${app.id}/addPassword ${json({ passwordCredential: { displayName: 'Reporting API' } })}`;
  if (valid.length > 0) {
    const best = valid[0]!;
    const days = Math.floor((best.end_at - now) / 86_400_000);
    pass('clientSecret', `${valid.length} valid secret${valid.length > 1 ? 's' : ''}; '${best.hint}…' expires ${day(best.end_at)}${days < 30 ? ` (in ${days} days: add a new one soon)` : ''}`);
    return;
  }
  if (creds.length === 0) return fail('clientSecret', 'the application has no client secret: client credentials requests fail with AADSTS7000218 (none sent) or AADSTS7000215', fix);
  const parts = creds.map((c) => (c.start_at > now ? `'${c.hint}…' not valid before ${isoTime(c.start_at)}` : `'${c.hint}…' expired ${isoTime(c.end_at)}`));
  fail('clientSecret', `no secret is valid now (${parts.join('; ')}): token requests fail with AADSTS7000222`, fix);
}

function checkDeclared(app: ApplicationRow, body: ApplicationBody, delegated: boolean, strict: boolean, pass: Pass, fail: Fail): void {
  const type = delegated ? 'Scope' : 'Role';
  const idOf = (p: typeof AUDIT_LOG_READ_ALL) => (delegated ? p.scopeId : p.roleId);
  const graphEntries = body.requiredResourceAccess.filter((r) => r.resourceAppId === MICROSOFT_GRAPH_APP_ID);
  const declares = (p: typeof AUDIT_LOG_READ_ALL) => graphEntries.some((r) => r.resourceAccess.some((a) => a.type === type && a.id === idOf(p)));
  const kind = delegated ? 'delegated permission' : 'application permission';
  const directoryDeclared = declares(DIRECTORY_READ_ALL) || declares(DIRECTORY_READWRITE_ALL);
  const missing = [
    ...(declares(AUDIT_LOG_READ_ALL) ? [] : [AUDIT_LOG_READ_ALL]),
    ...(strict && !directoryDeclared ? [DIRECTORY_READ_ALL] : []),
  ];
  const dirNote = directoryDeclared ? `; ${DIRECTORY_READ_ALL.value} too`
    : `; ${DIRECTORY_READ_ALL.value} (${idOf(DIRECTORY_READ_ALL)}, ${type}) is not declared: recommended, and required for sign-ins when the server runs with --strict-directory-read`;
  if (missing.length === 0) {
    pass('permission', `Microsoft Graph ${kind} ${AUDIT_LOG_READ_ALL.value} (${idOf(AUDIT_LOG_READ_ALL)}, ${type}) declared${dirNote}`);
    return;
  }
  // PATCH replaces the whole list: keep what is there, add what is missing to the Microsoft Graph entry
  const merged: RequiredResourceAccess[] = structuredClone(body.requiredResourceAccess);
  let entry = merged.find((r) => r.resourceAppId === MICROSOFT_GRAPH_APP_ID);
  if (!entry) merged.push((entry = { resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: [] }));
  for (const p of missing) entry.resourceAccess.push({ id: idOf(p), type });
  fail('permission',
    `Microsoft Graph ${kind}${missing.length > 1 ? 's' : ''} ${missing.map((p) => `${p.value} (${idOf(p)}, ${type})`).join(' and ')} not declared in requiredResourceAccess` +
    `${strict && missing.includes(DIRECTORY_READ_ALL) ? ` (${DIRECTORY_READ_ALL.value} is required because of --strict-directory-read)` : ''}. ` +
    'The declaration grants nothing by itself; it is what admin consent is given to.',
    `PATCH /v1.0/applications/${app.id} ${json({ requiredResourceAccess: merged })}`);
}

async function checkConsent(
  ctx: DoctorContext, tenantId: string, sp: ServicePrincipalRow, delegated: { user: UserRow | undefined } | undefined, strict: boolean,
  pass: Pass, fail: Fail, skip: Skip,
): Promise<void> {
  const db = ctx.store.db;
  const graphSp = await spRepo.findServicePrincipalByAppId(db, tenantId, MICROSOFT_GRAPH_APP_ID);
  if (!graphSp) return skip('adminConsent', 'the tenant has no Microsoft Graph service principal');
  if (!delegated) {
    const assigned = new Set((await spRepo.listAppRoleAssignmentsOfPrincipal(db, tenantId, sp.id)).filter((a) => a.resource_id === graphSp.id).map((a) => a.app_role_id));
    const hasDirectory = assigned.has(DIRECTORY_READ_ALL.roleId) || assigned.has(DIRECTORY_READWRITE_ALL.roleId);
    const missing = [
      ...(assigned.has(AUDIT_LOG_READ_ALL.roleId) ? [] : [AUDIT_LOG_READ_ALL]),
      ...(strict && !hasDirectory ? [DIRECTORY_READ_ALL] : []),
    ];
    if (missing.length === 0) {
      pass('adminConsent', `app role assignment ${AUDIT_LOG_READ_ALL.value} to ${sp.id} on Microsoft Graph (${graphSp.id})` +
        (hasDirectory ? `; ${DIRECTORY_READ_ALL.value} too` : `; ${DIRECTORY_READ_ALL.value} not consented (recommended; required for sign-ins with --strict-directory-read)`));
      return;
    }
    fail('adminConsent',
      `no admin consent to ${missing.map((p) => p.value).join(' and ')}: the app's tokens lack it in roles, and the reporting API answers 403 Authentication_MSGraphPermissionMissing. ` +
      'After granting, request a new token (roles are fixed when a token is issued).',
      missing.map((p) => `POST /v1.0/servicePrincipals/${graphSp.id}/appRoleAssignedTo ${json({ principalId: sp.id, resourceId: graphSp.id, appRoleId: p.roleId })}`).join('\n'));
    return;
  }
  const user = delegated.user;
  const grants = (await spRepo.listPermissionGrants(db, tenantId, { clientId: sp.id, resourceId: graphSp.id }))
    .filter((g) => g.consent_type === 'AllPrincipals' || (user !== undefined && g.principal_id === user.id));
  const scopes = new Set(grants.flatMap((g) => g.scope.split(' ')));
  const hasDirectory = scopes.has(DIRECTORY_READ_ALL.value) || scopes.has(DIRECTORY_READWRITE_ALL.value);
  const missing = [...(scopes.has(AUDIT_LOG_READ_ALL.value) ? [] : [AUDIT_LOG_READ_ALL]), ...(strict && !hasDirectory ? [DIRECTORY_READ_ALL] : [])];
  if (missing.length === 0) {
    const how = grants.filter((g) => g.scope.split(' ').includes(AUDIT_LOG_READ_ALL.value)).map((g) => (g.consent_type === 'AllPrincipals' ? 'for all users' : 'for this user'));
    pass('adminConsent', `delegated grant of ${AUDIT_LOG_READ_ALL.value} to ${sp.id} on Microsoft Graph (${graphSp.id}) ${[...new Set(how)].join(' and ')}` +
      (hasDirectory ? `; ${DIRECTORY_READ_ALL.value} too` : `; ${DIRECTORY_READ_ALL.value} not granted (recommended; required for sign-ins with --strict-directory-read)`));
    return;
  }
  const scope = missing.map((p) => p.value).join(' ');
  fail('adminConsent',
    `no delegated grant of ${missing.map((p) => p.value).join(' and ')} for ${user ? 'this user' : 'all users'}: a user token through this client is refused (AADSTS65001) or lacks it in scp ` +
    '(403 Authentication_MSGraphPermissionMissing). A grant with consentType Principal for this user works too.',
    `POST /v1.0/oauth2PermissionGrants ${json({ clientId: sp.id, consentType: 'AllPrincipals', resourceId: graphSp.id, scope })}`);
}

async function checkUser(ctx: DoctorContext, tenantId: string, upn: string, pass: Pass, fail: Fail, skip: Skip): Promise<void> {
  const db = ctx.store.db;
  const user = await usersRepo.findUserByUpn(db, tenantId, upn);
  if (!user) {
    const at = upn.lastIndexOf('@');
    const nickname = (at > 0 ? upn.slice(0, at) : upn).replace(/[^A-Za-z0-9._-]/g, '') || 'reporting';
    fail('user', `no user '${upn}' in the tenant (the domain part must be one of the tenant's domains)`,
      `POST /v1.0/users ${json({ accountEnabled: true, displayName: nickname, mailNickname: nickname, userPrincipalName: upn.toLowerCase(), passwordProfile: { password: '<password>' } })}`);
    skip('userEnabled', 'the user does not exist');
    skip('userRole', 'the user does not exist');
    return;
  }
  pass('user', `${user.display_name} (${user.id})`);
  if (user.account_enabled === 1) pass('userEnabled', 'accountEnabled is true');
  else {
    fail('userEnabled', 'accountEnabled is false: sign-in fails with AADSTS50057, and tokens already issued to the user are refused',
      `PATCH /v1.0/users/${user.id} {"accountEnabled":true}`);
  }
  const roles = await usersRepo.roleIdsOfPrincipal(db, tenantId, user.id);
  const reporting = roles.filter((r) => REPORTING_ROLES.includes(r));
  if (reporting.length > 0) {
    pass('userRole', reporting.map(roleName).join(', '));
    return;
  }
  fail('userRole',
    `${roles.length === 0 ? 'no directory role' : `roles ${roles.map(roleName).join(', ')}`}; reading the activity logs needs one of ${REPORTING_ROLES.map(roleName).join(', ')} ` +
    '(else 403 Authentication_RequestFromUnsupportedUserRole). Reports Reader is the least privileged.',
    `POST /v1.0/roleManagement/directory/roleAssignments ${json({ principalId: user.id, roleDefinitionId: ROLE.reportsReader, directoryScopeId: '/' })}`);
}

/** Plain-text rendering: ✓ / ✗ / – per step, each failure followed by its fix. */
export function formatDoctorReport(r: DoctorReport): string {
  const lines = [`tenantry doctor: tenant ${r.tenant}, client ${r.clientId}${r.user !== undefined ? `, user ${r.user}` : ''}`, ''];
  for (const s of r.steps) {
    const mark = s.skipped ? '–' : s.ok ? '✓' : '✗';
    lines.push(`${mark} ${s.title}: ${s.detail}`);
    if (s.fix) for (const [i, f] of s.fix.split('\n').entries()) lines.push(`    ${i === 0 ? 'fix:' : '    '} ${f}`);
  }
  const failed = r.steps.filter((s) => !s.ok && !s.skipped).length;
  const skipped = r.steps.filter((s) => s.skipped).length;
  lines.push('', r.ok ? `All ${r.steps.length} checks passed.` : `${failed} of ${r.steps.length} checks failed${skipped ? `, ${skipped} skipped` : ''}.`);
  return `${lines.join('\n')}\n`;
}
