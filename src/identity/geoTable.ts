/**
 * The built-in IP → location table: a COARSE SAMPLE, country level only.
 *
 * Tenantry ships no geolocation database. This table holds a handful of long-standing IPv4 /8
 * allocations whose registrant is a national body, so the country is that of the registrant as
 * recorded in the IANA IPv4 address space registry and the regional registries' whois. It has no
 * city, no state and no coordinates (they are left empty / null rather than guessed), no IPv6 range,
 * and it says nothing about where a user of such an address actually sits.
 *
 * Operators who want real locations in sign-in records supply their own file
 * (`cidr,city,state,countryOrRegion,latitude,longitude`, see geo.ts), which is consulted first.
 */
export interface BuiltinGeoRange {
  cidr: string;
  /** ISO 3166-1 alpha-2 */
  countryOrRegion: string;
  /** registrant, for whoever reads this table */
  registrant: string;
}

export const BUILTIN_GEO_RANGES: readonly BuiltinGeoRange[] = [
  { cidr: '6.0.0.0/8', countryOrRegion: 'US', registrant: 'Army Information Systems Center (US DoD)' },
  { cidr: '7.0.0.0/8', countryOrRegion: 'US', registrant: 'DoD Network Information Center' },
  { cidr: '11.0.0.0/8', countryOrRegion: 'US', registrant: 'DoD Intel Information Systems' },
  { cidr: '21.0.0.0/8', countryOrRegion: 'US', registrant: 'DDN-RVN (US DoD)' },
  { cidr: '22.0.0.0/8', countryOrRegion: 'US', registrant: 'Defense Information Systems Agency' },
  { cidr: '25.0.0.0/8', countryOrRegion: 'GB', registrant: 'UK Ministry of Defence' },
  { cidr: '26.0.0.0/8', countryOrRegion: 'US', registrant: 'Defense Information Systems Agency' },
  { cidr: '28.0.0.0/8', countryOrRegion: 'US', registrant: 'DSI-North (US DoD)' },
  { cidr: '29.0.0.0/8', countryOrRegion: 'US', registrant: 'Defense Information Systems Agency' },
  { cidr: '30.0.0.0/8', countryOrRegion: 'US', registrant: 'Defense Information Systems Agency' },
  { cidr: '33.0.0.0/8', countryOrRegion: 'US', registrant: 'DLA Systems Automation Center (US DoD)' },
  { cidr: '55.0.0.0/8', countryOrRegion: 'US', registrant: 'DoD Network Information Center' },
  { cidr: '56.0.0.0/8', countryOrRegion: 'US', registrant: 'US Postal Service' },
  { cidr: '133.0.0.0/8', countryOrRegion: 'JP', registrant: 'Japanese organisations, administered by JPNIC' },
  { cidr: '214.0.0.0/8', countryOrRegion: 'US', registrant: 'US Department of Defense' },
  { cidr: '215.0.0.0/8', countryOrRegion: 'US', registrant: 'US Department of Defense' },
];
