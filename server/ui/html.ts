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
:root { color-scheme: light dark; --bg:#f7f7fb; --fg:#1b1b29; --muted:#5b5b70; --card:#fff; --line:#d9d9e3; --accent:#4b3fd6; --warn-bg:#fff4d6; --warn-fg:#5c4300; --danger:#b42318; }
@media (prefers-color-scheme: dark) { :root { --bg:#111118; --fg:#ececf4; --muted:#a6a6bb; --card:#1b1b26; --line:#33334a; --accent:#9d95ff; --warn-bg:#3a2f0b; --warn-fg:#ffe3a3; --danger:#ff8a80; } }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--fg); display:grid; place-items:start center; min-height:100vh; padding: 2rem 1rem; }
main { width: min(34rem, 100%); background:var(--card); border:1px solid var(--line); border-radius: 12px; padding: 1.5rem 1.75rem; }
h1 { font-size: 1.35rem; margin: 0 0 .75rem; }
p, li { color: var(--fg); }
.muted, small { color: var(--muted); }
.badge { display:inline-block; font-size:.75rem; font-weight:600; letter-spacing:.02em; padding:.1rem .5rem; border-radius:99px; border:1px solid var(--line); color:var(--muted); margin-bottom:.75rem; }
dl { display:grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 1rem 0; }
dt { color: var(--muted); } dd { margin:0; overflow-wrap:anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:.9rem; }
fieldset { border:1px solid var(--line); border-radius:8px; margin: 1rem 0; padding:.5rem 1rem 1rem; }
legend { padding: 0 .3rem; color: var(--muted); }
label { display:flex; gap:.6rem; align-items:flex-start; margin:.5rem 0; }
label code { font-weight:600; }
input[type=text] { width:100%; font:inherit; padding:.55rem .7rem; border:1px solid var(--line); border-radius:8px; background:var(--bg); color:var(--fg); }
.actions { display:flex; gap:.75rem; margin-top: 1.25rem; flex-wrap: wrap; }
button { font:inherit; font-weight:600; padding:.55rem 1.2rem; border-radius:8px; border:1px solid var(--line); background:var(--bg); color:var(--fg); cursor:pointer; }
button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
button:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.warning { background:var(--warn-bg); color:var(--warn-fg); border-radius:8px; padding:.6rem .8rem; margin: 1rem 0; }
.error { color: var(--danger); }
footer { margin-top:1.25rem; font-size:.85rem; }
a { color: var(--accent); }
`;

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  // No scripts, no framing (clickjacking a consent page is a classic attack), no referrer leaks.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export function page(title: string, body: RawHtml, init: { status?: number; headers?: Headers } = {}): Response {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value);
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · MCP Auth Lab</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
  return new Response(document.html, { status: init.status ?? 200, headers });
}

export function errorPage(status: number, title: string, message: string, hint?: string): Response {
  return page(
    title,
    html`<span class="badge">MCP Auth Lab · authorization server</span>
<h1 class="error">${title}</h1>
<p>${message}</p>
${hint ? html`<p class="muted">${hint}</p>` : ''}
<footer><a href="/">Back to MCP Auth Lab</a></footer>`,
    { status },
  );
}
