/** Browser and operating system from a User-Agent, as Entra's deviceDetail reports them. */
export function describeUserAgent(ua: string | null | undefined): { browser: string; operatingSystem: string } {
  if (!ua) return { browser: '', operatingSystem: '' };
  const version = (re: RegExp): string | undefined => re.exec(ua)?.[1];
  const edge = version(/Edg(?:e|A|iOS)?\/(\d+)/);
  const firefox = version(/Firefox\/(\d+)/);
  const chrome = version(/(?:Chrome|Chromium|HeadlessChrome)\/(\d+)/);
  const safari = /Safari\//.test(ua) ? version(/Version\/(\d+)/) : undefined;
  const browser =
    edge ? `Edge ${edge}`
    : firefox ? `Firefox ${firefox}`
    : chrome ? `Chrome ${chrome}`
    : safari ? `Safari ${safari}`
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
