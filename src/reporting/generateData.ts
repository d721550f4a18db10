/**
 * Static pools for `tenantry generate` (see generate.ts): places, names, Microsoft's first-party
 * applications and resources, tenant-owned applications, user agents and sign-in outcomes.
 *
 * Application ids marked `real` are Microsoft's published first-party ids; everything a tenant owns
 * (its line-of-business apps, service principals, managed identities, policies, users) gets a
 * synthetic id derived from the tenant id, and IP addresses are synthetic (see CITIES).
 */

/* ------------------------------------------------------------------ places */

export type RegionId = 'us-west' | 'us-east' | 'europe' | 'india' | 'apac' | 'anz' | 'latam';

export interface Region {
  id: RegionId;
  /** standard-time offset of the region's working day (no daylight saving: good enough for a curve) */
  utcOffsetMinutes: number;
}

export const REGIONS: Readonly<Record<RegionId, Region>> = {
  'us-west': { id: 'us-west', utcOffsetMinutes: -8 * 60 },
  'us-east': { id: 'us-east', utcOffsetMinutes: -5 * 60 },
  latam: { id: 'latam', utcOffsetMinutes: -3 * 60 },
  europe: { id: 'europe', utcOffsetMinutes: 60 },
  india: { id: 'india', utcOffsetMinutes: 330 },
  apac: { id: 'apac', utcOffsetMinutes: 9 * 60 },
  anz: { id: 'anz', utcOffsetMinutes: 10 * 60 },
};

export interface City {
  city: string;
  state: string;
  countryOrRegion: string;
  /** approximate city-centre coordinates */
  latitude: number;
  longitude: number;
  region: RegionId;
  /** relative size of the office / user base there */
  weight: number;
}

/**
 * Real cities with approximate coordinates. The IP addresses generated for them are SYNTHETIC: each
 * city gets a /22 of 198.18.0.0/15 (RFC 2544 benchmarking space, never routed on the internet), so
 * no generated address claims a real location.
 */
export const CITIES: readonly City[] = [
  { city: 'Redmond', state: 'Washington', countryOrRegion: 'US', latitude: 47.674, longitude: -122.121, region: 'us-west', weight: 5 },
  { city: 'Seattle', state: 'Washington', countryOrRegion: 'US', latitude: 47.606, longitude: -122.332, region: 'us-west', weight: 4 },
  { city: 'San Francisco', state: 'California', countryOrRegion: 'US', latitude: 37.775, longitude: -122.419, region: 'us-west', weight: 4 },
  { city: 'Los Angeles', state: 'California', countryOrRegion: 'US', latitude: 34.052, longitude: -118.244, region: 'us-west', weight: 3 },
  { city: 'Vancouver', state: 'British Columbia', countryOrRegion: 'CA', latitude: 49.283, longitude: -123.121, region: 'us-west', weight: 2 },
  { city: 'Denver', state: 'Colorado', countryOrRegion: 'US', latitude: 39.739, longitude: -104.99, region: 'us-west', weight: 2 },
  { city: 'New York', state: 'New York', countryOrRegion: 'US', latitude: 40.713, longitude: -74.006, region: 'us-east', weight: 6 },
  { city: 'Boston', state: 'Massachusetts', countryOrRegion: 'US', latitude: 42.36, longitude: -71.059, region: 'us-east', weight: 3 },
  { city: 'Atlanta', state: 'Georgia', countryOrRegion: 'US', latitude: 33.749, longitude: -84.388, region: 'us-east', weight: 2 },
  { city: 'Chicago', state: 'Illinois', countryOrRegion: 'US', latitude: 41.878, longitude: -87.63, region: 'us-east', weight: 3 },
  { city: 'Dallas', state: 'Texas', countryOrRegion: 'US', latitude: 32.777, longitude: -96.797, region: 'us-east', weight: 2 },
  { city: 'Toronto', state: 'Ontario', countryOrRegion: 'CA', latitude: 43.653, longitude: -79.383, region: 'us-east', weight: 3 },
  { city: 'Mexico City', state: 'Ciudad de Mexico', countryOrRegion: 'MX', latitude: 19.433, longitude: -99.133, region: 'latam', weight: 2 },
  { city: 'Sao Paulo', state: 'Sao Paulo', countryOrRegion: 'BR', latitude: -23.551, longitude: -46.633, region: 'latam', weight: 3 },
  { city: 'Buenos Aires', state: 'Buenos Aires', countryOrRegion: 'AR', latitude: -34.604, longitude: -58.382, region: 'latam', weight: 2 },
  { city: 'London', state: 'England', countryOrRegion: 'GB', latitude: 51.507, longitude: -0.128, region: 'europe', weight: 6 },
  { city: 'Manchester', state: 'England', countryOrRegion: 'GB', latitude: 53.481, longitude: -2.243, region: 'europe', weight: 2 },
  { city: 'Dublin', state: 'Dublin', countryOrRegion: 'IE', latitude: 53.35, longitude: -6.26, region: 'europe', weight: 3 },
  { city: 'Paris', state: 'Paris', countryOrRegion: 'FR', latitude: 48.857, longitude: 2.352, region: 'europe', weight: 4 },
  { city: 'Amsterdam', state: 'Noord-Holland', countryOrRegion: 'NL', latitude: 52.37, longitude: 4.895, region: 'europe', weight: 3 },
  { city: 'Berlin', state: 'Berlin', countryOrRegion: 'DE', latitude: 52.52, longitude: 13.405, region: 'europe', weight: 3 },
  { city: 'Munich', state: 'Bayern', countryOrRegion: 'DE', latitude: 48.137, longitude: 11.575, region: 'europe', weight: 3 },
  { city: 'Frankfurt am Main', state: 'Hessen', countryOrRegion: 'DE', latitude: 50.11, longitude: 8.682, region: 'europe', weight: 2 },
  { city: 'Zurich', state: 'Zurich', countryOrRegion: 'CH', latitude: 47.377, longitude: 8.541, region: 'europe', weight: 2 },
  { city: 'Madrid', state: 'Madrid', countryOrRegion: 'ES', latitude: 40.417, longitude: -3.704, region: 'europe', weight: 2 },
  { city: 'Milan', state: 'Lombardia', countryOrRegion: 'IT', latitude: 45.464, longitude: 9.19, region: 'europe', weight: 2 },
  { city: 'Stockholm', state: 'Stockholm', countryOrRegion: 'SE', latitude: 59.329, longitude: 18.069, region: 'europe', weight: 2 },
  { city: 'Warsaw', state: 'Mazowieckie', countryOrRegion: 'PL', latitude: 52.23, longitude: 21.012, region: 'europe', weight: 2 },
  { city: 'Helsinki', state: 'Uusimaa', countryOrRegion: 'FI', latitude: 60.17, longitude: 24.938, region: 'europe', weight: 1 },
  { city: 'Johannesburg', state: 'Gauteng', countryOrRegion: 'ZA', latitude: -26.204, longitude: 28.047, region: 'europe', weight: 1 },
  { city: 'Dubai', state: 'Dubai', countryOrRegion: 'AE', latitude: 25.205, longitude: 55.271, region: 'india', weight: 2 },
  { city: 'Bengaluru', state: 'Karnataka', countryOrRegion: 'IN', latitude: 12.972, longitude: 77.595, region: 'india', weight: 5 },
  { city: 'Mumbai', state: 'Maharashtra', countryOrRegion: 'IN', latitude: 19.076, longitude: 72.878, region: 'india', weight: 3 },
  { city: 'Hyderabad', state: 'Telangana', countryOrRegion: 'IN', latitude: 17.385, longitude: 78.487, region: 'india', weight: 3 },
  { city: 'Singapore', state: 'Singapore', countryOrRegion: 'SG', latitude: 1.352, longitude: 103.82, region: 'apac', weight: 3 },
  { city: 'Hong Kong', state: 'Hong Kong', countryOrRegion: 'HK', latitude: 22.32, longitude: 114.169, region: 'apac', weight: 2 },
  { city: 'Shanghai', state: 'Shanghai', countryOrRegion: 'CN', latitude: 31.23, longitude: 121.474, region: 'apac', weight: 2 },
  { city: 'Seoul', state: 'Seoul', countryOrRegion: 'KR', latitude: 37.566, longitude: 126.978, region: 'apac', weight: 2 },
  { city: 'Tokyo', state: 'Tokyo', countryOrRegion: 'JP', latitude: 35.69, longitude: 139.692, region: 'apac', weight: 4 },
  { city: 'Sydney', state: 'New South Wales', countryOrRegion: 'AU', latitude: -33.869, longitude: 151.209, region: 'anz', weight: 4 },
  { city: 'Melbourne', state: 'Victoria', countryOrRegion: 'AU', latitude: -37.814, longitude: 144.963, region: 'anz', weight: 3 },
  { city: 'Auckland', state: 'Auckland', countryOrRegion: 'NZ', latitude: -36.848, longitude: 174.763, region: 'anz', weight: 2 },
];

/** The home region of a tenant from its default domain's top-level domain, when it says one. */
export const TLD_REGION: Readonly<Record<string, RegionId>> = {
  uk: 'europe', ie: 'europe', de: 'europe', fr: 'europe', nl: 'europe', es: 'europe', it: 'europe', ch: 'europe', se: 'europe', pl: 'europe',
  fi: 'europe', eu: 'europe', at: 'europe', be: 'europe', dk: 'europe', no: 'europe', in: 'india', ae: 'india', jp: 'apac', kr: 'apac',
  sg: 'apac', cn: 'apac', hk: 'apac', au: 'anz', nz: 'anz', br: 'latam', ar: 'latam', mx: 'latam', ca: 'us-east', us: 'us-east',
};

/* ------------------------------------------------------------------ people */

export const FIRST_NAMES: readonly string[] = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard',
  'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Daniel', 'Karen', 'Matthew', 'Nancy', 'Anthony', 'Lisa', 'Mark', 'Emma', 'Oliver',
  'Sophie', 'Lukas', 'Hannah', 'Jonas', 'Lea', 'Louis', 'Chloé', 'Hugo', 'Camille', 'Lucía', 'Javier', 'Giulia', 'Marco', 'Sofia',
  'Matteo', 'Anna', 'Piotr', 'Zofia', 'Lars', 'Ingrid', 'Aino', 'Mikko', 'Siobhán', 'Cian', 'Priya', 'Arjun', 'Ananya', 'Rahul', 'Divya',
  'Vikram', 'Mei', 'Wei', 'Li', 'Jun', 'Hiroshi', 'Yuki', 'Haruto', 'Sakura', 'Min-jun', 'Seo-yeon', 'Aisha', 'Omar', 'Fatima', 'Yusuf',
  'Thabo', 'Naledi', 'João', 'Beatriz', 'Mateo', 'Valentina', 'Diego', 'Camila', 'Noah', 'Olivia', 'Liam', 'Ava', 'Ethan', 'Mia', 'Jack',
  'Chloe', 'Ruby', 'Aroha', 'Tane',
];

export const LAST_NAMES: readonly string[] = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Wilson',
  'Anderson', 'Taylor', 'Thomas', 'Moore', 'Jackson', 'Martin', 'Lee', 'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Hall',
  'Young', 'King', 'Wright', 'Murphy', "O'Brien", 'Kelly', 'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Dubois', 'Lefèvre',
  'Moreau', 'Laurent', 'Rossi', 'Russo', 'Bianchi', 'Fernández', 'González', 'Sánchez', 'Kowalski', 'Nowak', 'Andersson', 'Johansson',
  'Virtanen', 'de Vries', 'Jansen', 'Patel', 'Sharma', 'Singh', 'Kumar', 'Gupta', 'Reddy', 'Iyer', 'Wang', 'Zhang', 'Chen', 'Liu',
  'Tanaka', 'Suzuki', 'Sato', 'Kim', 'Park', 'Choi', 'Nguyen', 'Tran', 'Al-Sayed', 'Haddad', 'Khan', 'Dlamini', 'Naidoo', 'Silva',
  'Santos', 'Oliveira', 'Costa', 'Pereira', 'Ngata', 'Walsh', 'Byrne', 'Campbell', 'Stewart',
];

/** Partner organisations whose people are guests (reserved .example names). */
export const PARTNER_DOMAINS: readonly string[] = [
  'fabrikam.example', 'northwind.example', 'adatum.example', 'tailspin.example', 'woodgrove.example', 'litware.example',
];

/* ------------------------------------------------------------------ applications */

export const RES = {
  graph: '00000003-0000-0000-c000-000000000000',
  aadGraph: '00000002-0000-0000-c000-000000000000',
  exchange: '00000002-0000-0ff1-ce00-000000000000',
  sharePoint: '00000003-0000-0ff1-ce00-000000000000',
  arm: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
  keyVault: 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093',
  storage: 'e406a681-f3d4-42a8-90b6-c2b029497af1',
  teamsServices: 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe',
  intune: '0000000a-0000-0000-c000-000000000000',
  sql: '022907d3-0f1b-48f7-badc-1ba6abab6d66',
  o365Management: 'c5393580-f805-4401-95e8-94b7a6ef2fc2',
} as const;
export type ResourceKey = keyof typeof RES;

/** Microsoft resource applications (all ids real). */
export const RESOURCE_NAMES: Readonly<Record<ResourceKey, string>> = {
  graph: 'Microsoft Graph',
  aadGraph: 'Windows Azure Active Directory',
  exchange: 'Office 365 Exchange Online',
  sharePoint: 'Office 365 SharePoint Online',
  arm: 'Windows Azure Service Management API',
  keyVault: 'Azure Key Vault',
  storage: 'Azure Storage',
  teamsServices: 'Microsoft Teams Services',
  intune: 'Microsoft Intune',
  sql: 'Azure SQL Database',
  o365Management: 'Office 365 Management APIs',
};

/**
 * How a user reaches an app: a web browser, a native app on the desktop (Windows only, or any
 * desktop), a phone app, either of the last two, or a command-line / developer tool.
 */
export type AppKind = 'browser' | 'desktop' | 'windows' | 'mobile' | 'native' | 'cli';

export interface UserAppDef {
  /** Microsoft's application id; null for the tenant's own apps (synthetic id from the tenant) */
  appId: string | null;
  displayName: string;
  kind: AppKind;
  /** resources the app asks tokens for, the first most often; 'self' = the app itself */
  resources: readonly (ResourceKey | 'self')[];
  /** IT and developer tools: used by a minority of users */
  tech?: boolean;
  /** guests use it too */
  guests?: boolean;
}

/**
 * Apps users sign in to, most used first (the order is the popularity rank). The first-party ids are
 * Microsoft's real application ids; the three line-of-business apps are the tenant's own (synthetic).
 */
export const USER_APPS: readonly UserAppDef[] = [
  { appId: 'd3590ed6-52b3-4102-aeff-aad2292ab01c', displayName: 'Microsoft Office', kind: 'native', resources: ['graph', 'exchange', 'sharePoint', 'aadGraph'] },
  { appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', displayName: 'Microsoft Teams', kind: 'native', resources: ['teamsServices', 'graph', 'sharePoint', 'exchange'] },
  { appId: '00000002-0000-0ff1-ce00-000000000000', displayName: 'Office 365 Exchange Online', kind: 'browser', resources: ['exchange'] },
  { appId: '27922004-5251-4030-b22d-91ecd9a37ea4', displayName: 'Outlook Mobile', kind: 'mobile', resources: ['exchange', 'graph'] },
  { appId: '4765445b-32c6-49b0-83e6-1d93765276ca', displayName: 'OfficeHome', kind: 'browser', resources: ['graph', 'sharePoint'], guests: true },
  { appId: '00000003-0000-0ff1-ce00-000000000000', displayName: 'Office 365 SharePoint Online', kind: 'browser', resources: ['sharePoint'], guests: true },
  { appId: 'ab9b8c07-8f02-4f72-87fa-80105867a763', displayName: 'OneDrive SyncEngine', kind: 'desktop', resources: ['sharePoint'] },
  { appId: '5e3ce6c0-2b1f-4285-8d4b-75ee78787346', displayName: 'Microsoft Teams Web Client', kind: 'browser', resources: ['teamsServices', 'graph'], guests: true },
  { appId: null, displayName: 'Expense Portal', kind: 'browser', resources: ['self', 'graph'] },
  { appId: '29d9ed98-a469-4536-ade2-f981bc1d605e', displayName: 'Microsoft Authentication Broker', kind: 'mobile', resources: ['aadGraph', 'graph'] },
  { appId: 'ecd6b820-32c2-49b6-98a6-444530e5a77a', displayName: 'Microsoft Edge', kind: 'desktop', resources: ['graph'] },
  { appId: '89bee1f7-5e6e-4d8a-9f3d-ecd601259da7', displayName: 'Office365 Shell WCSS-Client', kind: 'browser', resources: ['graph'], guests: true },
  { appId: '26a7ee05-5602-4d76-a7ba-eae8b7b67941', displayName: 'Windows Search', kind: 'windows', resources: ['sharePoint', 'graph'] },
  { appId: '0ec893e0-5785-4de6-99da-4ed124e5296c', displayName: 'Office UWP PWA', kind: 'windows', resources: ['graph', 'sharePoint'] },
  { appId: null, displayName: 'Intranet', kind: 'browser', resources: ['self'], guests: true },
  { appId: '22098786-6e16-43cc-a27d-191a01a1e3b5', displayName: 'Microsoft To-Do client', kind: 'native', resources: ['exchange', 'graph'] },
  { appId: '08e18876-6177-487e-b8b5-cf950c1e598c', displayName: 'SharePoint Online Web Client Extensibility', kind: 'browser', resources: ['graph'] },
  { appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', displayName: 'Azure Portal', kind: 'browser', resources: ['arm', 'graph'], tech: true },
  { appId: '9ba1a5c7-f17a-4de9-a1f1-6178c8d51223', displayName: 'Microsoft Intune Company Portal', kind: 'mobile', resources: ['intune', 'graph'] },
  { appId: 'aebc6443-996d-45c2-90f0-388ff96faa56', displayName: 'Visual Studio Code', kind: 'desktop', resources: ['arm', 'graph'], tech: true },
  { appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', displayName: 'Microsoft Azure CLI', kind: 'cli', resources: ['arm', 'graph', 'keyVault'], tech: true },
  { appId: '2d7f3606-b07d-41d1-b9d2-0d0c9296a6e8', displayName: 'Microsoft Bing Search for Microsoft Edge', kind: 'desktop', resources: ['graph'] },
  { appId: null, displayName: 'Travel Booking', kind: 'browser', resources: ['self', 'graph'] },
  { appId: '1950a258-227b-4e31-a9cf-717495945fc2', displayName: 'Microsoft Azure PowerShell', kind: 'cli', resources: ['arm', 'graph'], tech: true },
  { appId: '14d82eec-204b-4c2f-b7e8-296a70dab67e', displayName: 'Microsoft Graph Command Line Tools', kind: 'cli', resources: ['graph'], tech: true },
  { appId: '268761a2-03f3-40df-8a8b-c3db24145b6b', displayName: 'Universal Store Native Client', kind: 'windows', resources: ['graph'] },
  { appId: 'de8bc8b5-d9f9-48b1-a8ad-b748da725064', displayName: 'Graph Explorer', kind: 'browser', resources: ['graph'], tech: true },
  { appId: '00b41c95-dab0-4487-9791-b9d2c32c80f2', displayName: 'Office 365 Management', kind: 'mobile', resources: ['graph', 'o365Management'], tech: true },
  { appId: '1b730954-1685-4b74-9bfd-dac224a7b894', displayName: 'Azure Active Directory PowerShell', kind: 'cli', resources: ['aadGraph'], tech: true },
];

export type CredentialType = 'clientSecret' | 'certificate' | 'federatedIdentityCredential';

/** The tenant's own daemon apps (service principals; synthetic ids). */
export const SERVICE_APPS: readonly { displayName: string; credential: CredentialType; resources: readonly ResourceKey[]; userAgent: string }[] = [
  { displayName: 'HR Sync Service', credential: 'clientSecret', resources: ['graph'], userAgent: 'azsdk-net-Identity/1.11.4 (.NET 8.0.4; Microsoft Windows 10.0.20348)' },
  { displayName: 'SIEM Log Export', credential: 'clientSecret', resources: ['o365Management', 'graph'], userAgent: 'python-requests/2.31.0' },
  { displayName: 'Backup Automation', credential: 'certificate', resources: ['graph', 'exchange', 'sharePoint'], userAgent: 'azsdk-python-identity/1.16.0 Python/3.11.9 (Linux-5.15.0-1064-azure-x86_64-with-glibc2.35)' },
  { displayName: 'Monitoring Agent', credential: 'certificate', resources: ['arm', 'keyVault'], userAgent: 'azsdk-go-azidentity/v1.5.2 (go1.22.3; linux)' },
  { displayName: 'GitHub Actions Deploy', credential: 'federatedIdentityCredential', resources: ['arm'], userAgent: 'azsdk-js-identity/4.2.0 core-rest-pipeline/1.16.0 Node/20.14.0 OS/(x64-Linux-6.5.0-1021-azure)' },
  { displayName: 'ServiceNow Connector', credential: 'clientSecret', resources: ['graph'], userAgent: 'Java/17.0.10' },
  { displayName: 'Terraform Provisioner', credential: 'clientSecret', resources: ['arm', 'graph'], userAgent: 'Go-http-client/1.1' },
  { displayName: 'Payroll Export', credential: 'certificate', resources: ['graph', 'sharePoint'], userAgent: 'azsdk-net-Identity/1.11.4 (.NET 8.0.4; Microsoft Windows 10.0.20348)' },
];

/** The tenant's Azure managed identities (synthetic ids). */
export const MANAGED_IDENTITIES: readonly { displayName: string; resources: readonly ResourceKey[] }[] = [
  { displayName: 'func-orders-prod', resources: ['keyVault', 'storage', 'sql'] },
  { displayName: 'vm-build-agent-01', resources: ['arm', 'keyVault', 'storage'] },
  { displayName: 'logic-invoice-ingest', resources: ['storage', 'graph'] },
  { displayName: 'aks-agentpool', resources: ['keyVault', 'arm'] },
  { displayName: 'app-webshop-prod', resources: ['sql', 'keyVault'] },
];

/* ------------------------------------------------------------------ client software */

export type DesktopOs = 'Windows10' | 'MacOs' | 'Linux';
export type PhoneOs = 'Ios' | 'Android';

/** Browser user agents by desktop system; browser and system are derived from them (records.ts). */
export const DESKTOP_BROWSERS: Readonly<Record<DesktopOs, readonly { ua: string; weight: number }[]>> = {
  Windows10: [
    { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0', weight: 34 },
    { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 Edg/123.0.0.0', weight: 14 },
    { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', weight: 30 },
    { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36', weight: 12 },
    { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0', weight: 8 },
  ],
  MacOs: [
    { ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15', weight: 40 },
    { ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', weight: 40 },
    { ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0', weight: 12 },
    { ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0', weight: 8 },
  ],
  Linux: [
    { ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', weight: 55 },
    { ua: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', weight: 45 },
  ],
};

export const PHONE_BROWSERS: Readonly<Record<PhoneOs, string>> = {
  Ios: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  Android: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
};

/**
 * Native apps through Microsoft's auth libraries: one client per system (the broker's web view on
 * Windows, the system web view elsewhere); Entra shows them as "Rich Client <library version>".
 */
export const NATIVE_CLIENTS: Readonly<Record<DesktopOs | PhoneOs, { ua: string; browser: string; operatingSystem: string }>> = {
  Windows10: { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; WebView/3.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045', browser: 'Rich Client 4.61.3.0', operatingSystem: 'Windows 10' },
  MacOs: { ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)', browser: 'Rich Client 1.3.2', operatingSystem: 'MacOs' },
  Linux: { ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)', browser: 'Rich Client 1.28.0', operatingSystem: 'Linux' },
  Ios: { ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148', browser: 'Rich Client 1.3.2', operatingSystem: 'Ios' },
  Android: { ua: 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP1A.240405.002)', browser: 'Rich Client 5.1.0', operatingSystem: 'Android' },
};

/** Command-line tools by system (MSAL for Python / .NET underneath). */
export const CLI_CLIENTS: Readonly<Record<DesktopOs, { ua: string; browser: string; operatingSystem: string }>> = {
  Windows10: { ua: 'Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.2', browser: 'Rich Client 4.61.3.0', operatingSystem: 'Windows 10' },
  MacOs: { ua: 'python/3.11.9 (macOS-14.4.1-arm64-arm-64bit) msal/1.28.0', browser: 'Rich Client 1.28.0', operatingSystem: 'MacOs' },
  Linux: { ua: 'python/3.11.9 (Linux-6.5.0-35-generic-x86_64-with-glibc2.35) msal/1.28.0', browser: 'Rich Client 1.28.0', operatingSystem: 'Linux' },
};

/** Legacy-protocol clients (basic authentication): what "Block legacy authentication" stops. */
export const LEGACY_CLIENTS: readonly { clientAppUsed: string; ua: string; weight: number }[] = [
  { clientAppUsed: 'Exchange ActiveSync', ua: 'Apple-iPhone14C3/2104.181', weight: 3 },
  { clientAppUsed: 'IMAP4', ua: '', weight: 3 },
  { clientAppUsed: 'Authenticated SMTP', ua: '', weight: 2 },
  { clientAppUsed: 'Other clients', ua: 'BAV2ROPC', weight: 2 },
];

/* ------------------------------------------------------------------ outcomes */

/** AADSTS codes with the failure reasons Entra writes in sign-in logs. */
export const FAILURE = {
  badPassword: [50126, 'Error validating credentials due to invalid username or password.'],
  locked: [50053, 'Account is locked because user tried to sign in too many times with an incorrect user ID or password.'],
  strongAuthRequired: [50074, 'Strong Authentication is required.'],
  kmsi: [50140, "This error occurred due to 'Keep me signed in' interrupt when the user was signing in."],
  blockedByCa: [53003, 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.'],
  mfaFailed: [500121, 'Authentication failed during strong authentication request.'],
  passwordExpired: [50055, 'The password is expired.'],
  disabled: [50057, 'The user account is disabled.'],
  noSession: [50058, 'Session information is not sufficient for single-sign-on.'],
  revoked: [50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.'],
  inactive: [700082, 'The refresh token has expired due to inactivity.'],
} as const satisfies Record<string, readonly [number, string]>;

export const mfaRequiredReason = (resourceAppId: string): readonly [number, string] =>
  [50076, `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resourceAppId}'.`];
export const consentReason = (appId: string, name: string): readonly [number, string] =>
  [65001, `The user or administrator has not consented to use the application with ID '${appId}' named '${name}'. Send an interactive authorization request for this user and resource.`];
export const badSecretReason = (appId: string): readonly [number, string] =>
  [7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`];
export const expiredSecretReason = (appId: string): readonly [number, string] =>
  [7000222, `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`];
export const unknownAppReason = (appId: string, tenant: string): readonly [number, string] =>
  [700016, `Application with identifier '${appId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`];

export type MfaMethod = 'Mobile app notification' | 'Text message' | 'OATH verification code';
export const MFA_METHODS: readonly { method: MfaMethod; weight: number }[] = [
  { method: 'Mobile app notification', weight: 72 },
  { method: 'Text message', weight: 16 },
  { method: 'OATH verification code', weight: 12 },
];

/* ------------------------------------------------------------------ directory (audits) */

export const GROUPS: readonly { displayName: string; unified: boolean }[] = [
  { displayName: 'All Employees', unified: true }, { displayName: 'Sales', unified: true }, { displayName: 'Marketing', unified: true },
  { displayName: 'Finance', unified: false }, { displayName: 'Human Resources', unified: false }, { displayName: 'IT Operations', unified: false },
  { displayName: 'Engineering', unified: true }, { displayName: 'Legal', unified: false }, { displayName: 'VPN Users', unified: false },
  { displayName: 'MFA Exclusions - Break Glass', unified: false }, { displayName: 'Project Phoenix', unified: true },
  { displayName: 'Intune Pilot Devices', unified: false }, { displayName: 'Support Desk', unified: true }, { displayName: 'Executives', unified: false },
  { displayName: 'Contractors', unified: false }, { displayName: 'Azure Subscription Owners', unified: false },
];

export const DEPARTMENTS: readonly string[] = ['Sales', 'Marketing', 'Finance', 'Human Resources', 'IT', 'Engineering', 'Legal', 'Support', 'Operations'];
export const JOB_TITLES: readonly string[] = [
  'Account Executive', 'Marketing Manager', 'Financial Analyst', 'HR Business Partner', 'Systems Administrator', 'Software Engineer',
  'Senior Software Engineer', 'Counsel', 'Support Engineer', 'Operations Manager', 'Product Manager', 'Data Analyst',
];
