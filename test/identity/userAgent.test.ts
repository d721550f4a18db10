import { describe, expect, it } from 'vitest';
import { describeUserAgent } from '../../src/identity/userAgent.js';

describe('describeUserAgent', () => {
  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0', 'Edge 120', 'Windows 10'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36', 'Chrome 156', 'Linux'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15', 'Safari 17', 'MacOs'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox 128', 'Linux'],
    ['azsdk-js-identity/4.13.1 core-rest-pipeline/1.24.0 Node/20.20.2 OS/(x64-Linux-6.18)', 'Azure Identity for JavaScript', 'Linux'],
    ['node', 'Node.js', ''],
    ['curl/8.5.0', 'curl', ''],
  ])('%s', (ua, browser, operatingSystem) => {
    expect(describeUserAgent(ua)).toEqual({ browser, operatingSystem });
  });

  it('reports nothing for a missing user agent', () => {
    expect(describeUserAgent(null)).toEqual({ browser: '', operatingSystem: '' });
  });
});
