import { createHash, randomBytes } from 'node:crypto';
import type { TestServer } from './server.js';

/** A response as a browser sees it: status, headers and the HTML. */
export interface Page {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  html: string;
  location: string | undefined;
}

/**
 * A minimal browser over the in-process server: a cookie jar, GETs and form POSTs, and the hidden
 * fields of the sign-in and consent forms. Enough to walk the authorization-code flow by hand.
 */
export class FormBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly s: TestServer, private readonly ip = '203.0.113.77', private readonly userAgent = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0') {}

  private cookieHeader(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }

  private absorb(setCookie: string | string[] | number | undefined): void {
    for (const c of ([] as string[]).concat((setCookie as string | string[] | undefined) ?? [])) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(url: string): Promise<Page> {
    const cookie = this.cookieHeader();
    const r = await this.s.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: { 'user-agent': this.userAgent, ...(cookie ? { cookie } : {}) } });
    this.absorb(r.headers['set-cookie']);
    return { status: r.statusCode, headers: r.headers, html: r.body, location: r.headers.location as string | undefined };
  }

  async post(url: string, fields: Record<string, string>): Promise<Page> {
    const cookie = this.cookieHeader();
    const r = await this.s.app.inject({
      method: 'POST', url, remoteAddress: this.ip, payload: new URLSearchParams(fields).toString(),
      headers: { 'user-agent': this.userAgent, 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    });
    this.absorb(r.headers['set-cookie']);
    return { status: r.statusCode, headers: r.headers, html: r.body, location: r.headers.location as string | undefined };
  }
}

/** The value of a hidden input in a page. */
export function field(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no field ${name} in page: ${html.slice(0, 400)}`);
  return m[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The action of the page's first form. */
export function formAction(html: string): string {
  const m = /<form method="post" action="([^"]*)"/.exec(html);
  if (!m) throw new Error('no form in page');
  return m[1]!.replace(/&amp;/g, '&');
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The parameters of a redirect's query (or fragment). */
export function redirectParams(location: string): URLSearchParams {
  const u = new URL(location);
  return new URLSearchParams(u.hash ? u.hash.slice(1) : u.search);
}
