/**
 * deviceDetail.browser, deviceDetail.operatingSystem and clientAppUsed as Entra derives them.
 *
 * Browser names and versions follow what real sign-in records show, which is the ua-parser
 * convention: the family, then at most three version components as the User-Agent spells them
 * ("Chrome 140.0.0" from Chrome/140.0.0.0, "Chrome 77.0.3865" from Chrome/77.0.3865.90,
 * "Edge 126.0.0" from Edg/126.0.0.0, "Firefox 139.0", "Safari 17.2", "IE 11.0"). Operating systems
 * taken from the User-Agent are written "Windows10", "MacOs", "Ios", "Android", "Linux". Native
 * clients of Microsoft's auth libraries (MSAL, ADAL) that send x-client-SKU / x-client-Ver show as
 * "Rich Client <version>", with the system from x-client-OS written "Windows 10", "Windows 8", ….
 *
 * Runs on every token request: the User-Agent is clipped to 512 characters first and every pattern
 * is linear (no nested quantifiers), so a hostile header costs microseconds.
 */

const MAX_UA = 512;

/** The MSAL/ADAL telemetry headers of a token request, when the caller has them. */
export interface ClientHeaders {
  /** x-client-SKU, e.g. "MSAL.Desktop", "MSAL.Python", "msal.js.node" */
  sku?: string | null;
  /** x-client-Ver, e.g. "4.59.0.0" */
  version?: string | null;
  /** x-client-OS, e.g. "Microsoft Windows NT 10.0.22631.0", "linux", "win32" */
  os?: string | null;
}

export type ClientAppUsed = 'Browser' | 'Mobile Apps and Desktop clients';

export interface DeviceDescription {
  browser: string;
  operatingSystem: string;
  /** a phone or tablet (iOS, Android, or a User-Agent that says Mobile) */
  isMobile: boolean;
  /** Entra's clientAppUsed for a modern-authentication sign-in: a web browser, or a native client */
  clientAppUsed: ClientAppUsed;
}

/** up to three version components: "120.0.6099" */
const VER = String.raw`(\d+(?:\.\d+){0,2})`;
const re = (prefix: string) => new RegExp(prefix + VER);

const MSIE = /\bMSIE (\d+\.\d+)/;
const RV = /\brv:(\d+\.\d+)/;
const EDGE_MOBILE = re(String.raw`\b(?:EdgA|EdgiOS)/`);
const EDGE = re(String.raw`\bEdge?/`);
const OPERA = re(String.raw`\bOPR/`);
const SAMSUNG = re(String.raw`\bSamsungBrowser/`);
const FIREFOX_IOS = re(String.raw`\bFxiOS/`);
const CHROME_IOS = re(String.raw`\bCriOS/`);
const FIREFOX = re(String.raw`\bFirefox/`);
const CHROME = re(String.raw`\b(?:Chrome|Chromium|HeadlessChrome)/`);
const SAFARI_VERSION = re(String.raw`\bVersion/`);
const APPLE_MOBILE = /\b(?:iPhone|iPad|iPod)\b/;
const ANDROID = /\bAndroid\b/;
const MOBILE = /\bMobi(?:le)?\b/;
const ANDROID_WEBVIEW = /; wv\)/;

function webBrowser(s: string): string | undefined {
  let m: RegExpExecArray | null;
  if ((m = MSIE.exec(s))) return `IE ${m[1]}`;
  if (s.includes('Trident/') && (m = RV.exec(s))) return `IE ${m[1]}`;
  if ((m = EDGE_MOBILE.exec(s))) return `Edge Mobile ${m[1]}`;
  if ((m = EDGE.exec(s))) return `Edge ${m[1]}`;
  if ((m = OPERA.exec(s))) return `Opera ${m[1]}`;
  if ((m = SAMSUNG.exec(s))) return `Samsung Internet ${m[1]}`;
  if ((m = FIREFOX_IOS.exec(s))) return `Firefox iOS ${m[1]}`;
  if ((m = CHROME_IOS.exec(s))) return `Chrome Mobile iOS ${m[1]}`;
  if ((m = FIREFOX.exec(s))) return `${ANDROID.test(s) || MOBILE.test(s) ? 'Firefox Mobile' : 'Firefox'} ${m[1]}`;
  if ((m = CHROME.exec(s))) {
    const family = ANDROID.test(s) && ANDROID_WEBVIEW.test(s) ? 'Chrome Mobile WebView' : MOBILE.test(s) ? 'Chrome Mobile' : 'Chrome';
    return `${family} ${m[1]}`;
  }
  if (APPLE_MOBILE.test(s) && s.includes('AppleWebKit/')) {
    // Safari itself says Version/x.y; an app's web view does not
    m = SAFARI_VERSION.exec(s);
    return m ? `Mobile Safari ${m[1]}` : 'Mobile Safari';
  }
  if (s.includes('Safari/') && (m = SAFARI_VERSION.exec(s))) return `Safari ${m[1]}`;
  return undefined;
}

function otherClient(s: string): string {
  if (/azsdk-js-identity/i.test(s)) return 'Azure Identity for JavaScript';
  if (/^node\b|Node\.js|\bNode\//i.test(s)) return 'Node.js';
  if (/python/i.test(s)) return 'Python';
  if (/curl\//i.test(s)) return 'curl';
  return 'Other';
}

function systemFromUserAgent(s: string): string {
  if (/Windows NT 10/.test(s)) return 'Windows10';
  if (/Windows/.test(s)) return 'Windows';
  if (/iPhone|iPad|iPod|iOS/.test(s)) return 'Ios';
  if (/Mac OS X|Macintosh/.test(s)) return 'MacOs';
  if (ANDROID.test(s)) return 'Android';
  if (/Linux|X11/.test(s)) return 'Linux';
  if (/\(linux|linux\)/i.test(s)) return 'Linux';
  return '';
}

/** x-client-OS as the auth libraries send it ("Microsoft Windows NT 6.2.9200.0" is Windows 8). */
function systemFromClientOs(os: string): string {
  const s = os.slice(0, 128);
  if (/Windows NT 10\./i.test(s)) return 'Windows 10';
  if (/Windows NT 6\.3/i.test(s)) return 'Windows 8.1';
  if (/Windows NT 6\.2/i.test(s)) return 'Windows 8';
  if (/Windows NT 6\.1/i.test(s)) return 'Windows 7';
  if (/^win|windows/i.test(s)) return 'Windows';
  if (/ios|iphone|ipad/i.test(s)) return 'Ios';
  if (/darwin|mac/i.test(s)) return 'MacOs';
  if (/android/i.test(s)) return 'Android';
  if (/linux/i.test(s)) return 'Linux';
  return '';
}

const LIBRARY_VERSION = /^\d{1,6}(?:\.\d{1,9}){0,3}$/;

/**
 * deviceDetail and clientAppUsed of a sign-in. `client` carries the MSAL/ADAL x-client-* headers
 * when the caller has them; without them only the User-Agent is used.
 */
export function describeDevice(ua: string | null | undefined, client?: ClientHeaders): DeviceDescription {
  const s = typeof ua === 'string' ? ua.slice(0, MAX_UA) : '';
  const web = s ? webBrowser(s) : undefined;
  let operatingSystem = s ? systemFromUserAgent(s) : '';
  if (!operatingSystem && client?.os) operatingSystem = systemFromClientOs(client.os);
  const isMobile = operatingSystem === 'Ios' || operatingSystem === 'Android' || (s !== '' && MOBILE.test(s));
  if (web) return { browser: web, operatingSystem, isMobile, clientAppUsed: 'Browser' };
  const version = client?.version?.trim();
  const browser =
    client?.sku?.trim() && version && LIBRARY_VERSION.test(version) ? `Rich Client ${version}`
    : s ? otherClient(s)
    : '';
  return { browser, operatingSystem, isMobile, clientAppUsed: 'Mobile Apps and Desktop clients' };
}

/** Browser and operating system from a User-Agent, as Entra's deviceDetail reports them. */
export function describeUserAgent(ua: string | null | undefined): { browser: string; operatingSystem: string } {
  const { browser, operatingSystem } = describeDevice(ua);
  return { browser, operatingSystem };
}
