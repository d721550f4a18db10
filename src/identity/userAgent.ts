/** Browser and operating system from a User-Agent, as Entra's deviceDetail reports them. */
export function describeUserAgent(ua: string | null | undefined): { browser: string; operatingSystem: string } {
  if (!ua) return { browser: '', operatingSystem: '' };
  const browser =
    /Edg(?:e|A|iOS)?\/(\d+)/.exec(ua)?.[1] !== undefined ? `Edge ${/Edg(?:e|A|iOS)?\/(\d+)/.exec(ua)![1]}`
    : /Firefox\/(\d+)/.test(ua) ? `Firefox ${/Firefox\/(\d+)/.exec(ua)![1]}`
    : /(?:Chrome|Chromium|HeadlessChrome)\/(\d+)/.test(ua) ? `Chrome ${/(?:Chrome|Chromium|HeadlessChrome)\/(\d+)/.exec(ua)![1]}`
    : /Version\/(\d+).*Safari\//.test(ua) ? `Safari ${/Version\/(\d+)/.exec(ua)![1]}`
    : /azsdk-js-identity/i.test(ua) ? 'Azure Identity for JavaScript'
    : /^node\b|Node\.js|\bNode\//i.test(ua) ? 'Node.js'
    : /python/i.test(ua) ? 'Python'
    : /curl\//i.test(ua) ? 'curl'
    : 'Other';
  const operatingSystem =
    /Windows NT 10/.test(ua) ? 'Windows 10'
    : /Windows/.test(ua) ? 'Windows'
    : /iPhone|iPad|iOS/.test(ua) ? 'Ios'
    : /Mac OS X|Macintosh/.test(ua) ? 'MacOs'
    : /Android/.test(ua) ? 'Android'
    : /Linux|X11/.test(ua) ? 'Linux'
    : /\(linux|linux\)/i.test(ua) ? 'Linux'
    : '';
  return { browser, operatingSystem };
}
