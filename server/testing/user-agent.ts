/**
 * A browser without a screen, for the server's flow tests: it keeps cookies, follows redirects,
 * and on each page the server shows (a sign-in form, a consent page, a simulated provider's page)
 * submits the form with its default values and its primary button, as a user who says yes would.
 * It stops when a redirect leaves for `stopAt` (the MCP client's redirect URI) and returns that URL.
 */
export type Fetch = (request: Request) => Promise<Response>;

export class UserAgent {
  readonly cookies = new Map<string, string>();

  constructor(private readonly fetch: Fetch) {}

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    headers.set('sec-fetch-mode', 'navigate');
    const response = await this.fetch(new Request(url, { ...init, headers, redirect: 'manual' }));
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair.trim().split('=');
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value.join('='));
    }
    return response;
  }

  /** Goes to `url` and says yes to every page until the browser is sent to `stopAt`; returns that URL. */
  async consentAll(url: string, stopAt: string, maxSteps = 12): Promise<URL> {
    let current = url;
    let response = await this.request(current);
    for (let step = 0; step < maxSteps; step++) {
      const location = response.headers.get('location');
      if (location) {
        const next = new URL(location, current);
        if (next.href.startsWith(stopAt)) return next;
        current = next.href;
        response = await this.request(current);
        continue;
      }
      const page = await response.text();
      if (response.status !== 200) throw new Error(`HTTP ${response.status} at ${current}: ${textOf(page).slice(0, 300)}`);
      const form = primaryForm(page, current);
      current = form.action;
      response = await this.request(current, { method: 'POST', body: form.fields, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    }
    throw new Error(`no redirect to ${stopAt} after ${maxSteps} steps`);
  }
}

/** The first form with a primary button, filled as the page fills it, answered with that button. */
export function primaryForm(page: string, base: string): { action: string; fields: URLSearchParams } {
  for (const [, attributes, body] of page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const button = /<button\b(?=[^>]*class="primary")([^>]*)>/.exec(body);
    if (!button) continue;
    const fields = new URLSearchParams();
    for (const [, input] of body.matchAll(/<input\b([^>]*)>/g)) {
      const name = attribute(input, 'name');
      if (!name) continue;
      const type = attribute(input, 'type') ?? 'text';
      if ((type === 'checkbox' || type === 'radio') && !/\schecked\b/.test(input)) continue;
      fields.append(name, attribute(input, 'value') ?? (type === 'checkbox' ? 'on' : ''));
    }
    const name = attribute(button[1], 'name');
    if (name) fields.append(name, attribute(button[1], 'value') ?? '');
    return { action: new URL(attribute(attributes, 'action') ?? '', base).href, fields };
  }
  throw new Error(`no form to answer on this page: ${textOf(page).slice(0, 300)}`);
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? decode(match[1]) : undefined;
}

const decode = (value: string) =>
  value
    .replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code) => String.fromCharCode(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const textOf = (page: string) => page.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
