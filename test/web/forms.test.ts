// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { redirectUriProblem } from '../../web/src/pages/NewRegistration';
import { secretValidity } from '../../web/src/pages/AppSecrets';

/** The checks the portal's forms make before sending anything (the directory's own rules, mirrored). */

describe('redirect URIs', () => {
  it.each([
    ['https://example.com/auth', 'web', null],
    ['http://localhost:3000/cb', 'web', null],
    ['http://127.0.0.1/cb', 'spa', null],
    ['http://[::1]:8080/', 'web', null],
    ['msal1234://auth', 'publicClient', null],
    ['http://example.com/cb', 'web', /https/],
    ['msal1234://auth', 'web', /custom schemes/],
    ['https://example.com/#frag', 'spa', /fragment/],
    ['javascript:alert(1)', 'publicClient', /not allowed/],
    ['not a uri', 'web', /absolute/],
  ] as const)('%s (%s)', (uri, platform, problem) => {
    const p = redirectUriProblem(uri, platform);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toMatch(problem);
  });
});

describe('client secret validity', () => {
  const now = new Date(2025, 5, 15, 10, 30); // 15 June 2025, 10:30 local time

  it('the preset durations end that many days from now and start now', () => {
    const v = secretValidity('180', '', '', now);
    expect(v).toEqual({ end: new Date(now.getTime() + 180 * 86_400_000).toISOString() });
  });

  it('a custom period starting today starts now and ends at the end of its last day', () => {
    const v = secretValidity('custom', '2025-06-15', '2025-12-31', now);
    expect(v).toEqual({ end: new Date(2025, 11, 31, 23, 59, 59).toISOString() });
  });

  it('a custom period starting later carries its start', () => {
    const v = secretValidity('custom', '2025-07-01', '2026-06-30', now);
    expect(v).toEqual({ start: new Date(2025, 6, 1).toISOString(), end: new Date(2026, 5, 30, 23, 59, 59).toISOString() });
  });

  it.each([
    ['2025-06-14', '2025-12-31', /past/],
    ['2025-07-01', '2025-06-30', /after the start/],
    ['2025-06-15', '2027-06-20', /24 months/],
    ['', '2025-12-31', /start and an end/],
  ])('refuses %s – %s', (start, end, problem) => {
    const v = secretValidity('custom', start, end, now);
    expect('problem' in v && v.problem).toMatch(problem);
  });
});
