import { randomBytes } from 'node:crypto';
import type { Page, PermissionView } from './authorize.js';
import { aadTimestamp } from './errors.js';

/** Escapes text for HTML element content and double-quoted attributes. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface RenderedPage {
  html: string;
  csp: string;
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font-family:"Segoe UI",system-ui,-apple-system,sans-serif;background:#f2f2f2;color:#1b1b1b}
main{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
@media (max-width:480px){main{margin:0;min-height:100vh;box-shadow:none;padding:24px}}
h1{font-size:24px;font-weight:600;margin:16px 0 12px}p{font-size:15px;line-height:1.4}
.brand{font-weight:600;color:#0067b8;letter-spacing:.02em}
label{display:block;font-size:14px;margin:16px 0 4px}
input[type=text],input[type=email],input[type=password]{width:100%;padding:6px 2px;font-size:15px;border:0;border-bottom:1px solid #666;outline:none}
input:focus-visible{border-bottom:2px solid #0067b8}
.err{color:#e81123;font-size:15px;margin:8px 0}
.row{display:flex;gap:8px;justify-content:flex-end;margin-top:28px}
button{min-width:108px;min-height:32px;font-size:15px;padding:4px 12px;border:0;cursor:pointer}
button.primary{background:#0067b8;color:#fff}button.secondary{background:#ccc;color:#000}
button:focus-visible{outline:2px dashed #000;outline-offset:2px}
ul.perms{padding-left:20px}ul.perms li{margin:8px 0}.small{font-size:13px;color:#555}
.detail{font-size:12px;color:#555;word-break:break-all;margin-top:24px;border-top:1px solid #ddd;padding-top:12px}
`;

/** The server-rendered pages of the sign-in flow, with a CSP that allows only what each needs. */
export function renderPage(page: Page, opts: { actionBase: string; formTargets: readonly string[] }): RenderedPage {
  const nonce = randomBytes(16).toString('base64url');
  const body = pageBody(page, opts.actionBase);
  return {
    html: layout(titleOf(page), body, nonce),
    csp: csp(nonce, opts.formTargets),
  };
}

/** The response_mode=form_post answer: an auto-submitting form (with a button when scripts are off). */
export function renderFormPost(action: string, fields: Record<string, string>): RenderedPage {
  const nonce = randomBytes(16).toString('base64url');
  const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
  const body = `<form method="post" action="${esc(action)}" id="f">${inputs}<noscript><p>Script is disabled. Click Continue to finish signing in.</p><button class="primary" type="submit">Continue</button></noscript></form>
<script nonce="${nonce}">document.getElementById('f').submit();</script>`;
  return { html: layout('Working...', body, nonce), csp: csp(nonce, [action]) };
}

function csp(nonce: string, formTargets: readonly string[]): string {
  const targets = new Set<string>(["'self'"]);
  for (const t of formTargets) {
    try {
      const u = new URL(t);
      targets.add(u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : u.protocol);
    } catch {
      // not a URL: nothing to allow
    }
  }
  return [
    "default-src 'none'", `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`, "img-src 'self' data:",
    `form-action ${[...targets].join(' ')}`, "frame-ancestors 'none'", "base-uri 'none'",
  ].join('; ');
}

function layout(title: string, body: string, nonce: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${esc(title)}</title><style nonce="${nonce}">${STYLE}</style></head>
<body><main><div class="brand">Tenantry</div>${body}</main></body></html>`;
}

function titleOf(page: Page): string {
  switch (page.view) {
    case 'login': return 'Sign in to your account';
    case 'consent': return 'Permissions requested';
    case 'error': return page.title;
    case 'signedOut': return 'Signed out';
  }
}

function hidden(ctx: string, csrf: string): string {
  return `<input type="hidden" name="ctx" value="${esc(ctx)}"><input type="hidden" name="csrf" value="${esc(csrf)}">`;
}

function pageBody(page: Page, actionBase: string): string {
  switch (page.view) {
    case 'login':
      return `<h1>Sign in</h1><p class="small">to continue to ${esc(page.clientName)}</p>
${page.error ? `<div class="err" id="error" role="alert">${esc(page.error)}</div>` : ''}
<form method="post" action="${esc(actionBase)}/login" autocomplete="on">${hidden(page.ctx, page.csrf)}
<label for="login">Email, phone, or Skype</label><input id="login" name="login" type="email" autocomplete="username" required value="${esc(page.username)}"${page.username ? '' : ' autofocus'}>
<label for="passwd">Password</label><input id="passwd" name="passwd" type="password" autocomplete="current-password" required${page.username ? ' autofocus' : ''}>
<div class="row"><button class="primary" type="submit" id="idSIButton9">Sign in</button></div></form>`;
    case 'consent':
      return `<h1>Permissions requested</h1><p><strong>${esc(page.clientName)}</strong>${page.publisher ? ` <span class="small">(${esc(page.publisher)})</span>` : ''}</p>
<p class="small">Signed in as ${esc(page.userPrincipalName)}</p><p>This app would like to:</p>
<ul class="perms">${page.permissions.map(permItem).join('')}</ul>
<form method="post" action="${esc(actionBase)}/consent">${hidden(page.ctx, page.csrf)}
${page.canConsentForOrg ? '<label><input type="checkbox" name="for_org" id="for_org"> Consent on behalf of your organization</label>' : ''}
<p class="small">Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>
<div class="row"><button class="secondary" type="submit" name="decision" value="cancel">Cancel</button><button class="primary" type="submit" name="decision" value="accept">Accept</button></div></form>`;
    case 'error':
      return `<h1>${esc(page.title)}</h1><div class="err" role="alert">AADSTS${page.code}: ${esc(page.message)}</div>
${page.back ? `<p><a href="${esc(page.back)}" id="back">Return to the application without granting consent</a></p>` : ''}
<div class="detail">Request Id: ${esc(page.requestId)}<br>Correlation Id: ${esc(page.correlationId)}<br>Timestamp: ${esc(aadTimestamp(page.timestamp))}</div>`;
    case 'signedOut':
      return '<h1>You signed out of your account</h1><p>It\'s a good idea to close all browser windows.</p>';
  }
}

const permItem = (p: PermissionView): string =>
  `<li><strong>${esc(p.displayName)}</strong>${p.adminConsentRequired ? ' <span class="small">(Admin consent required)</span>' : ''}<br><span class="small">${esc(p.description)} (${esc(p.resource)}: ${esc(p.value)})</span></li>`;
