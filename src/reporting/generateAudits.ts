import type { Store } from '../store/db.js';
import { getDirectoryAudit, insertDirectoryAudit, type AuditTarget, type DirectoryAuditRow } from '../store/repositories/logs.js';
import { ROLE_TEMPLATES } from '../directory/catalog.js';
import {
  Alias, asciiName, buildPopulation, checkOptions, cityIps, GenerateError, guidV4, policies, result, Rng, servicePrincipalIds, syntheticGuid, tenantOf, TimeStream, zipf,
  type GenerateOptions, type GenerateResult, type GenerateTenant, type Person, type Policy, type Population,
} from './generate.js';
import * as D from './generateData.js';

/**
 * `tenantry generate audits`: directory audit records as Entra's Core Directory writes them, by the
 * tenant's administrators (the generated population's admins, its real ones first) and its
 * automation, written with insertDirectoryAudit only (recordAudit would bump the directory version,
 * and no directory object changes here).
 */

interface AuditTargetResource {
  id: string;
  displayName: string | null;
  type: 'User' | 'Group' | 'Role' | 'Application' | 'ServicePrincipal' | 'Policy' | 'Directory';
  userPrincipalName: string | null;
  groupType: 'unifiedGroups' | 'azureAD' | null;
  modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[];
}

interface AuditDraft {
  category: 'UserManagement' | 'GroupManagement' | 'RoleManagement' | 'ApplicationManagement' | 'Policy';
  activity: string;
  operationType: 'Add' | 'Update' | 'Delete' | 'Assign' | 'Unassign';
  targets: AuditTargetResource[];
  additionalDetails: { key: string; value: string }[];
  /** resultReason when this attempt fails */
  failure: string;
}

/** A modified property's value as Entra encodes it: a JSON array of one value, as a string. */
const enc = (v: unknown) => JSON.stringify([v]);
const mod = (displayName: string, oldValue: unknown, newValue: unknown) => ({
  displayName,
  oldValue: oldValue === undefined ? '[]' : enc(oldValue),
  newValue: newValue === undefined ? '[]' : enc(newValue),
});
const included = (names: string[]) => ({ displayName: 'Included Updated Properties', oldValue: null, newValue: JSON.stringify(names.join(', ')) });

const AUDIT_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const NO_PRIVILEGE = 'Insufficient privileges to complete the operation.';

class AuditDrafts {
  private readonly groups: { id: string; displayName: string; unified: boolean }[];
  private readonly apps: { appId: string; objectId: string; spId: string; displayName: string }[];
  private readonly caPolicies: Policy[];
  private newHires = 0;

  constructor(private readonly rng: Rng, private readonly tenant: GenerateTenant, private readonly pop: Population, private readonly spOf: (appId: string) => string) {
    this.groups = D.GROUPS.map((g) => ({ ...g, id: syntheticGuid(tenant.id, 'group', g.displayName) }));
    this.apps = [...D.SERVICE_APPS.map((s) => s.displayName), ...D.USER_APPS.filter((a) => !a.appId).map((a) => a.displayName)].map((displayName) => {
      const appId = syntheticGuid(tenant.id, 'application', displayName);
      return { appId, objectId: syntheticGuid(tenant.id, 'application object', appId), spId: spOf(appId), displayName };
    });
    this.caPolicies = policies(tenant);
  }

  private member(): Person {
    const people = this.pop.people;
    for (;;) {
      const p = people[this.rng.int(people.length)]!;
      if (!p.guest) return p;
    }
  }

  private userTarget(p: Person, mods: AuditTargetResource['modifiedProperties'] = []): AuditTargetResource {
    return { id: p.id, displayName: null, type: 'User', userPrincipalName: p.upn, groupType: null, modifiedProperties: mods };
  }

  private groupTarget(g: { id: string; displayName: string; unified: boolean }, mods: AuditTargetResource['modifiedProperties'] = []): AuditTargetResource {
    return { id: g.id, displayName: g.displayName, type: 'Group', userPrincipalName: null, groupType: g.unified ? 'unifiedGroups' : 'azureAD', modifiedProperties: mods };
  }

  draft(activity: string): AuditDraft {
    const { rng } = this;
    const userDetail = (p: Person) => [{ key: 'UserType', value: p.guest ? 'Guest' : 'Member' }];
    switch (activity) {
      case 'Add user': {
        const first = rng.pick(D.FIRST_NAMES);
        const last = rng.pick(D.LAST_NAMES);
        const upn = `${asciiName(first)}.${asciiName(last)}${++this.newHires}@${this.tenant.domain}`;
        const id = guidV4(rng);
        return {
          category: 'UserManagement', activity, operationType: 'Add', additionalDetails: [{ key: 'UserType', value: 'Member' }],
          failure: 'Another object with the same value for property userPrincipalName already exists.',
          targets: [{ id, displayName: null, type: 'User', userPrincipalName: upn, groupType: null, modifiedProperties: [
            mod('AccountEnabled', undefined, true), mod('DisplayName', undefined, `${first} ${last}`), mod('UserPrincipalName', undefined, upn),
            mod('UserType', undefined, 'Member'), included(['AccountEnabled', 'DisplayName', 'UserPrincipalName', 'UserType']),
          ] }],
        };
      }
      case 'Update user': {
        const p = this.member();
        const mods = rng.chance(0.5)
          ? [mod('Department', rng.pick(D.DEPARTMENTS), rng.pick(D.DEPARTMENTS)), included(['Department'])]
          : [mod('JobTitle', rng.pick(D.JOB_TITLES), rng.pick(D.JOB_TITLES)), mod('Department', rng.pick(D.DEPARTMENTS), rng.pick(D.DEPARTMENTS)), included(['JobTitle', 'Department'])];
        return { category: 'UserManagement', activity, operationType: 'Update', additionalDetails: userDetail(p), failure: NO_PRIVILEGE, targets: [this.userTarget(p, mods)] };
      }
      case 'Disable account': {
        const p = this.member();
        return {
          category: 'UserManagement', activity, operationType: 'Update', additionalDetails: userDetail(p), failure: NO_PRIVILEGE,
          targets: [this.userTarget(p, [mod('AccountEnabled', true, false), included(['AccountEnabled'])])],
        };
      }
      case 'Delete user': {
        const p = this.member();
        return { category: 'UserManagement', activity, operationType: 'Delete', additionalDetails: userDetail(p), failure: NO_PRIVILEGE, targets: [this.userTarget(p)] };
      }
      case 'Add member to group':
      case 'Remove member from group': {
        const p = this.member();
        const g = rng.pick(this.groups);
        const add = activity === 'Add member to group';
        const props = [mod('Group.ObjectID', add ? undefined : g.id, add ? g.id : undefined), mod('Group.DisplayName', add ? undefined : g.displayName, add ? g.displayName : undefined)];
        return {
          category: 'GroupManagement', activity, operationType: add ? 'Add' : 'Delete', additionalDetails: [],
          failure: add ? "One or more added object references already exist for the following modified properties: 'members'." : NO_PRIVILEGE,
          targets: [this.userTarget(p, props), this.groupTarget(g)],
        };
      }
      case 'Add group': {
        const name = `${rng.pick(['Project', 'Team', 'Working group'])} ${rng.pick(['Atlas', 'Borealis', 'Cobalt', 'Delta', 'Ember', 'Falcon', 'Granite', 'Harbor'])} ${rng.int(90) + 10}`;
        const unified = rng.chance(0.6);
        const g = { id: guidV4(rng), displayName: name, unified };
        return {
          category: 'GroupManagement', activity, operationType: 'Add', additionalDetails: [], failure: NO_PRIVILEGE,
          targets: [this.groupTarget(g, [mod('DisplayName', undefined, name), mod('MailNickname', undefined, asciiName(name)), mod('SecurityEnabled', undefined, !unified),
            mod('GroupType', undefined, unified ? 'Unified' : 'Security')])],
        };
      }
      case 'Update group': {
        const g = rng.pick(this.groups);
        return {
          category: 'GroupManagement', activity, operationType: 'Update', additionalDetails: [], failure: NO_PRIVILEGE,
          targets: [this.groupTarget(g, [mod('Description', `${g.displayName} team`, `${g.displayName} (all members)`), included(['Description'])])],
        };
      }
      case 'Add member to role':
      case 'Remove member from role': {
        const p = this.member();
        const role = rng.pick(ROLE_TEMPLATES);
        const add = activity === 'Add member to role';
        const roleProps = [mod('Role.ObjectID', add ? undefined : role.id, add ? role.id : undefined), mod('Role.DisplayName', add ? undefined : role.displayName, add ? role.displayName : undefined),
          mod('Role.TemplateId', add ? undefined : role.id, add ? role.id : undefined)];
        return {
          category: 'RoleManagement', activity, operationType: add ? 'Assign' : 'Unassign', additionalDetails: [], failure: NO_PRIVILEGE,
          targets: [this.userTarget(p, roleProps), { id: role.id, displayName: role.displayName, type: 'Role', userPrincipalName: null, groupType: null, modifiedProperties: [] }],
        };
      }
      case 'Add application':
      case 'Update application':
      case 'Delete application':
      case 'Update application – Certificates and secrets management': {
        const a = rng.pick(this.apps);
        const target = (mods: AuditTargetResource['modifiedProperties']): AuditTargetResource =>
          ({ id: a.objectId, displayName: a.displayName, type: 'Application', userPrincipalName: null, groupType: null, modifiedProperties: mods });
        if (activity === 'Add application') {
          return { category: 'ApplicationManagement', activity, operationType: 'Add', additionalDetails: [{ key: 'AppId', value: a.appId }], failure: NO_PRIVILEGE,
            targets: [target([mod('AppId', undefined, a.appId), mod('DisplayName', undefined, a.displayName), mod('AvailableToOtherTenants', undefined, false), included(['AppId', 'DisplayName', 'AvailableToOtherTenants'])])] };
        }
        if (activity === 'Delete application') {
          return { category: 'ApplicationManagement', activity, operationType: 'Delete', additionalDetails: [{ key: 'AppId', value: a.appId }], failure: NO_PRIVILEGE, targets: [target([])] };
        }
        if (activity === 'Update application') {
          const uri = `https://${asciiName(a.displayName) || 'app'}.${this.tenant.domain}/signin-oidc`;
          return { category: 'ApplicationManagement', activity, operationType: 'Update', additionalDetails: [{ key: 'AppId', value: a.appId }], failure: NO_PRIVILEGE,
            targets: [target([mod('AppAddress', [], [{ AddressType: 0, Address: uri, ReplyAddressClientType: 1, ReplyAddressIndex: null, IsReplyAddressDefault: false }]), included(['AppAddress'])])] };
        }
        const keyId = guidV4(rng);
        const credential = `[KeyIdentifier=${keyId},KeyType=Password,KeyUsage=Verify,DisplayName=${rng.pick(['CI secret', 'prod-2025', 'rotation', 'temp'])}]`;
        return { category: 'ApplicationManagement', activity, operationType: 'Update', additionalDetails: [{ key: 'AppId', value: a.appId }], failure: NO_PRIVILEGE,
          targets: [target([mod('KeyDescription', undefined, credential), included(['KeyDescription'])])] };
      }
      case 'Add service principal':
      case 'Consent to application':
      case 'Add app role assignment to service principal': {
        const a = rng.pick(this.apps);
        const sp = (mods: AuditTargetResource['modifiedProperties']): AuditTargetResource =>
          ({ id: a.spId, displayName: a.displayName, type: 'ServicePrincipal', userPrincipalName: null, groupType: null, modifiedProperties: mods });
        if (activity === 'Add service principal') {
          return { category: 'ApplicationManagement', activity, operationType: 'Add', additionalDetails: [{ key: 'AppId', value: a.appId }], failure: NO_PRIVILEGE,
            targets: [sp([mod('AccountEnabled', undefined, true), mod('AppPrincipalId', undefined, a.appId), mod('DisplayName', undefined, a.displayName),
              mod('ServicePrincipalName', undefined, a.appId), included(['AccountEnabled', 'AppPrincipalId', 'DisplayName', 'ServicePrincipalName'])])] };
        }
        if (activity === 'Consent to application') {
          const scopes = rng.pick(['User.Read', 'User.Read openid profile offline_access', 'Mail.Read User.Read', 'Files.Read.All User.Read']);
          return { category: 'ApplicationManagement', activity, operationType: 'Assign', additionalDetails: [], failure: 'Microsoft.Online.Security.UserConsentBlockedForRiskyAppsException',
            targets: [sp([mod('ConsentContext.IsAdminConsent', undefined, 'True'), mod('ConsentContext.IsAppOnly', undefined, 'False'), mod('ConsentContext.OnBehalfOfAll', undefined, 'True'),
              mod('ConsentAction.Permissions', undefined, `[] => [[Id: ${guidV4(rng)}, ClientId: ${a.spId}, PrincipalId: , ResourceId: ${this.spOf(D.RES.graph)}, ConsentType: AllPrincipals, Scope: ${scopes}, ]]; `),
              mod('TargetId.ServicePrincipalNames', undefined, a.appId)])] };
        }
        const permission = rng.pick(['User.Read.All', 'Directory.Read.All', 'AuditLog.Read.All', 'Mail.Send', 'Sites.Read.All']);
        return { category: 'ApplicationManagement', activity, operationType: 'Assign', additionalDetails: [], failure: NO_PRIVILEGE,
          targets: [sp([mod('AppRole.Value', undefined, permission), mod('AppRole.DisplayName', undefined, permission), mod('ServicePrincipal.ObjectID', undefined, a.spId),
            mod('ServicePrincipal.DisplayName', undefined, a.displayName)]),
          { id: this.spOf(D.RES.graph), displayName: 'Microsoft Graph', type: 'ServicePrincipal', userPrincipalName: null, groupType: null, modifiedProperties: [] }] };
      }
      case 'Update conditional access policy':
      case 'Add conditional access policy': {
        const pol = this.caPolicies.length > 0 ? rng.pick(this.caPolicies) : { id: syntheticGuid(this.tenant.id, 'conditional-access', 'Require MFA for admins'), displayName: 'Require MFA for admins', state: 'enabled' as const };
        const state = (s: string) => ({ id: pol.id, displayName: pol.displayName, state: s, conditions: { clientAppTypes: ['all'], applications: { includeApplications: ['All'] } } });
        const add = activity === 'Add conditional access policy';
        return {
          category: 'Policy', activity, operationType: add ? 'Add' : 'Update', additionalDetails: [], failure: NO_PRIVILEGE,
          targets: [{ id: pol.id, displayName: pol.displayName, type: 'Policy', userPrincipalName: null, groupType: null, modifiedProperties: [{
            displayName: 'ConditionalAccessPolicy', oldValue: add ? null : JSON.stringify(state('enabledForReportingButNotEnforced')), newValue: JSON.stringify(state('enabled')),
          }] }],
        };
      }
      default:
        throw new Error(`no audit draft for '${activity}'`);
    }
  }
}

const ADMIN_ACTIVITIES: readonly [string, number][] = [
  ['Update user', 22], ['Add member to group', 16], ['Add user', 8], ['Remove member from group', 6], ['Update group', 4], ['Add group', 2],
  ['Disable account', 2], ['Delete user', 2], ['Add member to role', 4], ['Remove member from role', 2], ['Add application', 2], ['Update application', 4],
  ['Update application – Certificates and secrets management', 4], ['Add service principal', 2], ['Consent to application', 4],
  ['Add app role assignment to service principal', 2], ['Update conditional access policy', 1.5], ['Add conditional access policy', 0.5], ['Delete application', 0.5],
];
/** automation that changes the directory: HR provisioning, infrastructure as code */
const APP_ACTIVITIES: Readonly<Record<string, readonly [string, number][]>> = {
  'HR Sync Service': [['Update user', 60], ['Add user', 15], ['Disable account', 8], ['Add member to group', 17]],
  'Terraform Provisioner': [['Add application', 20], ['Update application', 30], ['Add service principal', 20], ['Update application – Certificates and secrets management', 20],
    ['Add app role assignment to service principal', 10]],
};
const AUDIT_FAILURE_SHARE = 0.015;
const ADMIN_UA = D.DESKTOP_BROWSERS.Windows10[0]!.ua;

/** Generates `count` directory audit records (written with insertDirectoryAudit; the directory version is untouched). */
export async function generateAudits(store: Store, o: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const days = checkOptions(o);
  const tenant = await tenantOf(store, o.tenantId);
  const pop = await buildPopulation(store, tenant, Math.max(50, Math.ceil(o.count / 200)));
  const rng = Rng.from('tenantry-generate', 'directoryAudits', tenant.id, o.seed, o.count, days, o.now);
  const times = new TimeStream(rng, o.count, days, o.now, pop.region.utcOffsetMinutes, 0.08);
  const spOf = await servicePrincipalIds(store, tenant);
  const drafts = new AuditDrafts(rng, tenant, pop, spOf);
  const admins = pop.people.filter((p) => p.admin);
  if (admins.length === 0) admins.push(pop.people.find((p) => !p.guest) ?? pop.people[0]!);
  const adminAlias = new Alias(zipf(admins.length, 1));
  const adminActivity = new Alias(ADMIN_ACTIVITIES.map(([, w]) => w));
  const robots = Object.entries(APP_ACTIVITIES).map(([name, acts]) => {
    const appId = syntheticGuid(tenant.id, 'application', name);
    return { name, appId, spId: spOf(appId), acts, alias: new Alias(acts.map(([, w]) => w)) };
  });
  const ua = (name: string) => D.SERVICE_APPS.find((s) => s.displayName === name)?.userAgent ?? null;
  const batchSize = o.batchSize ?? 500;

  let done = 0;
  while (done < o.count) {
    const batch: { row: DirectoryAuditRow; targets: AuditTarget[] }[] = [];
    const n = Math.min(batchSize, o.count - done);
    for (let i = 0; i < n; i++) {
      const t = times.next();
      const byApp = rng.float() < times.appShareNow;
      const robot = byApp ? robots[rng.int(robots.length)]! : undefined;
      const admin = robot ? undefined : admins[adminAlias.sample(rng)]!;
      const activity = robot ? robot.acts[robot.alias.sample(rng)]![0] : ADMIN_ACTIVITIES[adminActivity.sample(rng)]![0];
      const d = drafts.draft(activity);
      const failed = rng.float() < AUDIT_FAILURE_SHARE;
      const correlationId = guidV4(rng);
      let suffix = '';
      for (let k = 0; k < 5; k++) suffix += AUDIT_ID_ALPHABET[rng.int(AUDIT_ID_ALPHABET.length)];
      const id = `Directory_${correlationId}_${suffix}_${rng.int(1_000_000_000)}`;
      const ip = admin ? (times.workingNow ? cityIps(admin.city)[1 + rng.int(4)]! : admin.homeIp) : '';
      const initiatedBy = admin
        ? { app: null, user: { id: admin.id, displayName: null, userPrincipalName: admin.upn, ipAddress: ip, userType: 'Member', homeTenantId: tenant.id, homeTenantName: null } }
        : { user: null, app: { appId: robot!.appId, displayName: robot!.name, servicePrincipalId: robot!.spId, servicePrincipalName: null } };
      batch.push({
        row: {
          tenant_id: tenant.id, id, activity_at: t, category: d.category, activity_display_name: d.activity, operation_type: d.operationType,
          result: failed ? 'failure' : 'success', result_reason: failed ? d.failure : '', correlation_id: correlationId, logged_by_service: 'Core Directory',
          initiator_user_id: admin?.id ?? null, initiator_user_principal_name: admin?.upn ?? null, initiator_app_id: robot?.appId ?? null,
          initiator_user_display_name: null, initiator_app_display_name: robot?.name ?? null,
          details: JSON.stringify({ initiatedBy, targetResources: d.targets, additionalDetails: d.additionalDetails, userAgent: admin ? ADMIN_UA : ua(robot!.name) }),
        },
        targets: d.targets.map((x) => ({ id: x.id, displayName: x.displayName })),
      });
    }
    if (done === 0 && (await getDirectoryAudit(store.db, tenant.id, batch[0]!.row.id, Number.MIN_SAFE_INTEGER))) {
      throw new GenerateError(`these audit records were already generated for tenant ${tenant.id} (same seed, count, days and end time); use another --seed`);
    }
    await store.transaction(async (trx) => {
      for (const a of batch) await insertDirectoryAudit(trx, a.row, a.targets);
    });
    done += n;
    o.onProgress?.(done, o.count);
  }
  return result('directoryAudits', tenant, o, days, pop, started);
}
