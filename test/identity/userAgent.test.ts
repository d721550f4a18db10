import { describe, expect, it } from 'vitest';
import { describeDevice, describeUserAgent } from '../../src/identity/userAgent.js';

const CHROME_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

describe('describeUserAgent', () => {
  it.each([
    // versions: at most three components, as real Entra records show them ("Edge 126.0.0", "Chrome 140.0.0")
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0', 'Edge 120.0.0', 'Windows10'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36', 'Chrome 156.0.0', 'Linux'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15', 'Safari 17.0', 'MacOs'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox 128.0', 'Linux'],
    ['azsdk-js-identity/4.13.1 core-rest-pipeline/1.24.0 Node/20.20.2 OS/(x64-Linux-6.18)', 'Azure Identity for JavaScript', 'Linux'],
    ['node', 'Node.js', ''],
    ['curl/8.5.0', 'curl', ''],
  ])('%s', (ua, browser, operatingSystem) => {
    expect(describeUserAgent(ua)).toEqual({ browser, operatingSystem });
  });

  it('reports nothing for a missing user agent', () => {
    expect(describeUserAgent(null)).toEqual({ browser: '', operatingSystem: '' });
    expect(describeUserAgent(undefined)).toEqual({ browser: '', operatingSystem: '' });
    expect(describeUserAgent('')).toEqual({ browser: '', operatingSystem: '' });
  });
});

describe('describeDevice: browsers as Entra names them', () => {
  it.each([
    [CHROME_WIN, 'Chrome 140.0.0', 'Windows10', false],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/77.0.3865.90 Safari/537.36', 'Chrome 77.0.3865', 'MacOs', false],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.130 Safari/537.36 Edg/120.0.2210.91', 'Edge 120.0.2210', 'Windows10', false],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.17763', 'Edge 18.17763', 'Windows10', false],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:152.0) Gecko/20100101 Firefox/152.0', 'Firefox 152.0', 'MacOs', false],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0', 'Firefox 121.0', 'Windows10', false],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 Safari/605.1.15', 'Safari 17.2.1', 'MacOs', false],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1', 'Mobile Safari 17.2', 'Ios', true],
    ['Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1', 'Mobile Safari 16.6', 'Ios', true],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148', 'Mobile Safari', 'Ios', true],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1', 'Chrome Mobile iOS 120.0.6099', 'Ios', true],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15', 'Firefox iOS 121.0', 'Ios', true],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/120.2210.150 Mobile/15E148 Safari/605.1.15', 'Edge Mobile 120.2210.150', 'Ios', true],
    ['Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36', 'Chrome Mobile 120.0.0', 'Android', true],
    ['Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Safari/537.36', 'Chrome 120.0.6099', 'Android', true],
    ['Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36', 'Chrome Mobile WebView 119.0.6045', 'Android', true],
    ['Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0', 'Firefox Mobile 121.0', 'Android', true],
    ['Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 EdgA/120.0.2210.141', 'Edge Mobile 120.0.2210', 'Android', true],
    ['Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36', 'Samsung Internet 23.0', 'Android', true],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0', 'Opera 106.0.0', 'Windows10', false],
    ['Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko', 'IE 11.0', 'Windows10', false],
    ['Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0)', 'IE 10.0', 'Windows', false],
    ['Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36', 'Chrome 109.0.0', 'Windows', false],
  ])('%s', (ua, browser, operatingSystem, isMobile) => {
    expect(describeDevice(ua)).toEqual({ browser, operatingSystem, isMobile, clientAppUsed: 'Browser' });
  });

  it('agrees with describeUserAgent', () => {
    const d = describeDevice(CHROME_WIN);
    expect(describeUserAgent(CHROME_WIN)).toEqual({ browser: d.browser, operatingSystem: d.operatingSystem });
  });
});

describe('describeDevice: native clients', () => {
  it('counts HTTP libraries and SDKs as Mobile Apps and Desktop clients', () => {
    for (const ua of ['node', 'curl/8.5.0', 'python-requests/2.31.0', 'azsdk-js-identity/4.13.1 core-rest-pipeline/1.24.0 Node/20.20.2 OS/(x64-Linux-6.18)', 'Go-http-client/1.1']) {
      expect(describeDevice(ua).clientAppUsed).toBe('Mobile Apps and Desktop clients');
    }
    expect(describeDevice('python-requests/2.31.0').browser).toBe('Python');
    expect(describeDevice('Go-http-client/1.1')).toEqual({ browser: 'Other', operatingSystem: '', isMobile: false, clientAppUsed: 'Mobile Apps and Desktop clients' });
  });

  it('names MSAL/ADAL native clients "Rich Client <x-client-Ver>" and reads the system from x-client-OS', () => {
    expect(describeDevice(null, { sku: 'MSAL.Desktop', version: '4.59.0.0', os: 'Microsoft Windows NT 10.0.22631.0' })).toEqual({
      browser: 'Rich Client 4.59.0.0', operatingSystem: 'Windows 10', isMobile: false, clientAppUsed: 'Mobile Apps and Desktop clients',
    });
    // Azure AD PowerShell (ADAL on .NET Framework reports NT 6.2 on Windows 8 and later)
    expect(describeDevice(null, { sku: 'PCL.Desktop', version: '5.2.8.0', os: 'Microsoft Windows NT 6.2.9200.0' })).toMatchObject({
      browser: 'Rich Client 5.2.8.0', operatingSystem: 'Windows 8',
    });
    expect(describeDevice('python-requests/2.31.0', { sku: 'MSAL.Python', version: '1.21.0', os: 'linux' })).toMatchObject({
      browser: 'Rich Client 1.21.0', operatingSystem: 'Linux',
    });
    expect(describeDevice('node', { sku: 'msal.js.node', version: '3.8.1', os: 'darwin' })).toMatchObject({ browser: 'Rich Client 3.8.1', operatingSystem: 'MacOs' });
  });

  it('prefers the User-Agent system and a real browser over the library headers', () => {
    expect(describeDevice(CHROME_WIN, { sku: 'msal.js.browser', version: '3.5.0', os: 'linux' })).toEqual({
      browser: 'Chrome 140.0.0', operatingSystem: 'Windows10', isMobile: false, clientAppUsed: 'Browser',
    });
    expect(describeDevice('azsdk-js-identity/4.13.1 core-rest-pipeline/1.24.0 Node/20.20.2 OS/(x64-Linux-6.18)', { sku: 'msal.js.node', version: '3.8.1', os: 'win32' }).operatingSystem).toBe('Linux');
  });

  it('ignores a library version that is not a version', () => {
    expect(describeDevice(null, { sku: 'MSAL.Desktop', version: '4.59<script>' }).browser).toBe('');
    expect(describeDevice('node', { sku: 'MSAL.Desktop', version: '' }).browser).toBe('Node.js');
    expect(describeDevice('node', { sku: '', version: '4.59.0.0' }).browser).toBe('Node.js');
  });
});

describe('describeDevice: bounded cost', () => {
  it('looks only at the first 512 characters', () => {
    const padded = `${'x'.repeat(600)} ${CHROME_WIN}`;
    expect(describeDevice(padded)).toEqual({ browser: 'Other', operatingSystem: '', isMobile: false, clientAppUsed: 'Mobile Apps and Desktop clients' });
    expect(describeDevice(`${CHROME_WIN} ${'x'.repeat(10_000)}`).browser).toBe('Chrome 140.0.0');
  });

  it('stays fast on hostile headers', () => {
    const hostile = [
      'Trident/7.0;'.repeat(100),
      `${'Chrome/'.repeat(80)}1`,
      `${'1.'.repeat(300)}`,
      `Mozilla/5.0 (${'('.repeat(500)}`,
      `Version/${'9.'.repeat(250)} Safari/ iPhone AppleWebKit/`,
      `${'; wv)'.repeat(100)} Android Chrome/1.2.3`,
      'Mobile '.repeat(100),
      'a'.repeat(100_000),
    ];
    const started = performance.now();
    for (let i = 0; i < 2_000; i++) for (const ua of hostile) describeDevice(ua);
    // 16,000 calls; the token endpoint needs ~1,500 a second
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
