import { SERVER_INFO } from '../server-info';
/**
 * The server's own pages (sign-in, consent, errors): plain HTML strings, everything that came
 * from a request or a client escaped, no framing allowed, no scripts at all.
 */
export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** Tagged template: interpolated values are escaped unless wrapped in `raw()`. */
export interface RawHtml {
  readonly html: string;
}
export const raw = (html: string): RawHtml => ({ html });
export function html(strings: TemplateStringsArray, ...values: unknown[]): RawHtml {
  let out = strings[0];
  values.forEach((value, i) => {
    const parts = Array.isArray(value) ? value : [value];
    for (const part of parts) {
      if (part === null || part === undefined || part === false) continue;
      out += typeof part === 'object' && 'html' in (part as RawHtml) ? (part as RawHtml).html : escapeHtml(String(part));
    }
    out += strings[i + 1];
  });
  return raw(out);
}

const STYLE = `
:root { color-scheme: light dark; --bg:#f7f8fa; --fg:#111827; --heading:#0b1220; --muted:#4f5869; --card:#fff; --line:#e4e7ec; --line-strong:#cdd3dc; --accent:#4f46e5; --accent-hover:#4338ca; --on-accent:#fff; --soft:#eef0ff; --code:#f1f3f7; --warn-bg:#fff7e6; --warn-line:#f5d9a3; --warn-fg:#6b4200; --danger:#b42318; }
@media (prefers-color-scheme: dark) { :root { --bg:#0b0d12; --fg:#e8eaef; --heading:#f5f6f8; --muted:#a2aaba; --card:#141821; --line:#232834; --line-strong:#353c4b; --accent:#a5b4fc; --accent-hover:#c7d2fe; --on-accent:#0b0d12; --soft:#1b1f3a; --code:#1a1f2b; --warn-bg:#2a2210; --warn-line:#5a4515; --warn-fg:#f5c56b; --danger:#ff8a80; } }
* { box-sizing: border-box; }
body { margin:0; min-height:100vh; padding: clamp(1.25rem, 5vw, 3.5rem) 1rem 2rem; background:var(--bg); color:var(--fg); font: 16px/1.55 "Inter Variable", Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; -webkit-font-smoothing: antialiased; }
.brand { display:flex; align-items:center; justify-content:center; gap:.55rem; margin: 0 auto 1.25rem; color:var(--heading); font-weight:700; font-size:1rem; letter-spacing:-.01em; }
.brand svg { flex:none; }
main { width: min(31rem, 100%); margin: 0 auto; background:var(--card); border:1px solid var(--line); border-radius: 14px; padding: clamp(1.25rem, 4vw, 2rem); box-shadow: 0 1px 2px rgb(16 24 40 / .05), 0 8px 24px -12px rgb(16 24 40 / .12); }
h1 { margin: 0 0 .75rem; color:var(--heading); font-size: 1.4rem; line-height:1.3; letter-spacing:-.02em; font-weight:700; }
h1 q { color: var(--accent); }
p { margin: 0 0 1rem; }
code { font-family: "JetBrains Mono Variable", ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:.875em; }
.muted, small { color: var(--muted); }
small { font-size: .85rem; }
.badge { display:inline-block; margin-bottom:1rem; padding:.1rem .6rem; border-radius:99px; background:var(--soft); color:var(--accent); font-size:.72rem; font-weight:650; letter-spacing:.06em; text-transform:uppercase; }
dl { display:grid; grid-template-columns: max-content 1fr; gap: .5rem 1rem; margin: 1.25rem 0; padding: .9rem 1rem; border:1px solid var(--line); border-radius:10px; background:var(--bg); font-size:.925rem; }
dt { color: var(--muted); } dd { margin:0; min-width:0; overflow-wrap:anywhere; color:var(--heading); font-family: "JetBrains Mono Variable", ui-monospace, SFMono-Regular, Menlo, monospace; font-size:.85rem; }
fieldset { margin: 1.25rem 0 1rem; padding: .25rem 1rem .5rem; border:1px solid var(--line); border-radius:10px; }
legend { padding: 0 .35rem; color: var(--muted); font-size:.85rem; font-weight:600; }
label { display:flex; gap:.65rem; align-items:flex-start; margin:.6rem 0; }
label code { color: var(--heading); font-weight:600; }
input[type=checkbox] { width:1.05rem; height:1.05rem; margin:.2rem 0 0; flex:none; accent-color: var(--accent); }
input[type=text] { display:block; width:100%; margin-top:.4rem; font:inherit; padding:.6rem .75rem; border:1px solid var(--line-strong); border-radius:8px; background:var(--card); color:var(--heading); }
.actions { display:flex; gap:.75rem; margin-top: 1.5rem; flex-wrap: wrap; }
.actions button { flex: 1 1 8rem; }
button { font:inherit; font-weight:600; padding:.6rem 1.2rem; border-radius:8px; border:1px solid var(--line-strong); background:var(--card); color:var(--heading); cursor:pointer; }
button:hover { border-color: var(--accent); }
button.primary { background:var(--accent); border-color:var(--accent); color:var(--on-accent); }
button.primary:hover { background:var(--accent-hover); border-color:var(--accent-hover); }
button:focus-visible, input:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.warning { margin: 1rem 0; padding:.75rem .9rem; border:1px solid var(--warn-line); border-radius:10px; background:var(--warn-bg); color:var(--warn-fg); font-size:.925rem; }
.error { color: var(--danger); }
footer { margin-top:1.25rem; padding-top:1rem; border-top:1px solid var(--line); font-size:.875rem; }
footer button { padding:0; border:0; background:none; color:var(--accent); font-weight:600; text-decoration: underline; text-underline-offset:.2em; }
a { color: var(--accent); }
.page-note { width: min(31rem, 100%); margin: 1rem auto 0; color: var(--muted); font-size:.8rem; text-align:center; }
.simulated { width: min(31rem, 100%); margin: 0 auto 1rem; padding:.6rem .9rem; border:2px dashed var(--warn-line); border-radius:10px; background:var(--warn-bg); color:var(--warn-fg); font-size:.875rem; }
.brand.provider { color: var(--warn-fg); }
.choices label { margin:.35rem 0; }
form + p { margin-top: 1rem; }
input[type=radio] { width:1.05rem; height:1.05rem; margin:.2rem 0 0; flex:none; accent-color: var(--accent); }
select { font:inherit; padding:.45rem .6rem; border:1px solid var(--line-strong); border-radius:8px; background:var(--card); color:var(--heading); max-width:100%; }
details { margin: 1rem 0; } summary { cursor:pointer; color: var(--muted); font-weight:600; font-size:.9rem; }
pre { overflow-x:auto; padding:.75rem; border-radius:8px; background:var(--code); font-size:.8rem; }
@media (max-width: 480px) { dl { grid-template-columns: 1fr; gap: 0; } dt { margin-top: .5rem; font-size: .85rem; } dt:first-child { margin-top: 0; } }
`;

/** The server's mark, inline (the CSP allows no external images or fonts). */
const BRAND_MARK = `<svg aria-hidden="true" viewBox="0 0 28 28" width="26" height="26"><rect width="28" height="28" rx="7" fill="#4f46e5"/><circle cx="14" cy="11.5" r="3.6" fill="none" stroke="#fff" stroke-width="2.2"/><path d="M14 15.2v6.3M14 18.6h3" stroke="#fff" stroke-width="2.2" stroke-linecap="round"/></svg>`;

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  // No scripts, no framing (clickjacking a consent page is a classic attack), no referrer leaks.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/**
 * Whose page this is. The server's own pages carry its mark; a simulated provider's pages say,
 * before anything else, that they are a simulation served by this server (so nobody mistakes them
 * for the real provider, or types a real password into them).
 */
export interface PageChrome {
  brand: string;
  /** A warning banner above the card, for simulated providers. */
  banner?: RawHtml;
  note: string;
}

const SERVER_CHROME: PageChrome = { brand: SERVER_INFO.title, note: `Served by the authorization server of ${SERVER_INFO.title}.` };

export function page(title: string, body: RawHtml, init: { status?: number; headers?: Headers; chrome?: PageChrome } = {}): Response {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value);
  const chrome = init.chrome ?? SERVER_CHROME;
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${chrome.brand}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<div class="brand${chrome.banner ? ' provider' : ''}">${chrome.banner ? '' : raw(BRAND_MARK)}<span>${chrome.brand}</span></div>
${chrome.banner ? html`<p class="simulated" role="note">${chrome.banner}</p>` : ''}
<main>
${body}
</main>
<p class="page-note">${chrome.note}</p>
</body>
</html>`;
  return new Response(document.html, { status: init.status ?? 200, headers });
}

export function errorPage(status: number, title: string, message: string, hint?: string, chrome?: PageChrome): Response {
  return page(
    title,
    html`<span class="badge">${chrome ? chrome.brand : 'Authorization server'}</span>
<h1 class="error">${title}</h1>
<p>${message}</p>
${hint ? html`<p class="muted">${hint}</p>` : ''}
<footer><a href="/">Back to ${SERVER_INFO.title}</a></footer>`,
    { status, chrome },
  );
}
