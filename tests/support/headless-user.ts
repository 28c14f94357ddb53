/**
 * A user at a browser, without the browser: follows an authorization URL through the lab's
 * sign-in and consent pages, and the simulated providers' pages (Simulated GitHub, the Simulated
 * OIDC provider) when the lab sends them there, over plain HTTP, keeping cookies, and returns
 * where the server finally redirects (the client's callback URL with code, state and iss, or an
 * error). Used by tests that drive a real MCP SDK client; the Playwright tests use a real Chromium.
 */
export interface HeadlessUserOptions {
  userName?: string;
  decision?: 'approve' | 'deny';
  /** Scopes to leave ticked on the consent page (default: all the client asked for). */
  scopes?: string[];
  remember?: boolean;
  fetch?: typeof fetch;
  /** At a simulated provider's page: the account (default: the one preselected), Allow or Cancel, and a failure to ask for. */
  provider?: { login?: string; decision?: 'allow' | 'cancel'; failure?: string };
}

export class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair.trim().split('=');
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value.join('='));
    }
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  has(name: string) {
    return this.cookies.has(name);
  }
}

export interface AuthorizationOutcome {
  /** Where the server sent the browser last: the client's redirect URI, or an error page URL. */
  location: string | null;
  /** The final non-redirect response, when the flow ended on a page (an error, say). */
  page?: { status: number; body: string };
}

const hidden = (body: string, name: string) =>
  body.match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1]?.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));

/** The action of the form that holds the named field (a page may have several forms). */
function actionOf(body: string, field: string): string | undefined {
  const at = body.indexOf(`name="${field}"`);
  const form = body.lastIndexOf('<form', at);
  return at < 0 || form < 0 ? undefined : body.slice(form).match(/action="([^"]*)"/)?.[1];
}

/** Pages the user may be sent to on the way: the lab's authorization pages and the simulated providers'. */
const followable = (pathname: string) => pathname.startsWith('/authorize') || pathname.startsWith('/simulated/');

export async function authorizeAsUser(
  authorizationUrl: string | URL,
  jar = new CookieJar(),
  options: HeadlessUserOptions = {},
): Promise<AuthorizationOutcome> {
  const doFetch = options.fetch ?? fetch;
  const { userName = 'learner', decision = 'approve' } = options;
  const url = new URL(authorizationUrl);
  const origin = url.origin;
  const request = async (target: string, init: RequestInit = {}) => {
    const response = await doFetch(new URL(target, origin), {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.store(response);
    return response;
  };
  const post = (target: string, form: URLSearchParams) =>
    request(target, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

  let response = await request(url.href);
  for (let step = 0; step < 12; step++) {
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location')!;
      const next = new URL(location, origin);
      if (next.origin !== origin || !followable(next.pathname)) return { location: next.href };
      response = await request(next.href);
      continue;
    }
    const body = await response.text();
    if (response.status === 200 && body.includes('name="request"') && body.includes('name="failure"')) {
      // A simulated provider's sign-in page: pick the account, the answer, and (to learn) a failure.
      const choice = options.provider ?? {};
      const preselected = body.match(/name="login" value="([^"]*)" checked/)?.[1];
      const form = new URLSearchParams({
        csrf: hidden(body, 'csrf')!,
        request: hidden(body, 'request')!,
        login: choice.login ?? preselected ?? '',
        failure: choice.failure ?? 'none',
        decision: choice.decision ?? 'allow',
      });
      response = await post(actionOf(body, 'request')!, form);
      continue;
    }
    if (response.status === 200 && body.includes('name="csrf"') && body.includes('name="continue"')) {
      response = await post('/authorize/sign-in', new URLSearchParams({ csrf: hidden(body, 'csrf')!, continue: hidden(body, 'continue')!, username: userName }));
      continue;
    }
    if (response.status === 200 && body.includes('name="handle"')) {
      const form = new URLSearchParams({ handle: hidden(body, 'handle')!, decision });
      const offered = [...body.matchAll(/name="scope" value="([^"]*)"/g)].map((m) => m[1]);
      for (const scope of options.scopes ?? offered) form.append('scope', scope);
      if (options.remember) form.set('remember', 'yes');
      response = await post(actionOf(body, 'handle') ?? '/authorize', form);
      continue;
    }
    return { location: null, page: { status: response.status, body } };
  }
  throw new Error('authorization did not finish in 12 steps');
}
