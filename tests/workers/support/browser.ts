import { CookieJar } from '../../support/headless-user';
import { callWorker } from './worker';

/**
 * One browser at the lab's authorization pages, step by step, so a test can look at each page
 * (and tamper with each form) on the way. Cookies are kept per browser; redirects are returned,
 * not followed.
 */
export interface Page {
  response: Response;
  body: string;
}

/** The value of a hidden form field, unescaped as a browser would. */
export function field(body: string, name: string): string | undefined {
  return body
    .match(new RegExp(`name="${name}" value="([^"]*)"`))?.[1]
    ?.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));
}

export class Browser {
  readonly jar = new CookieJar();

  async get(target: string | URL): Promise<Page> {
    return this.read(await callWorker(target, { headers: { cookie: this.jar.header() } }));
  }

  async submit(target: string, form: Record<string, string | string[]>, cookies = this.jar.header()): Promise<Page> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form)) for (const item of [value].flat()) body.append(name, item);
    return this.read(
      await callWorker(target, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
      }),
    );
  }

  /** Opens the authorization URL, signs in on the sign-in page, and returns the page after it. */
  async signIn(authorizationUrl: URL, userName: string): Promise<Page> {
    const signInPage = await this.get(authorizationUrl);
    const csrf = field(signInPage.body, 'csrf');
    if (signInPage.response.status !== 200 || !csrf) throw new Error(`expected the sign-in page, got ${signInPage.response.status}`);
    const signedIn = await this.submit('/authorize/sign-in', { csrf, continue: field(signInPage.body, 'continue')!, username: userName });
    const next = signedIn.response.headers.get('location');
    if (signedIn.response.status !== 303 || !next) throw new Error(`sign-in did not redirect: ${signedIn.response.status}`);
    return this.get(next);
  }

  /** Answers a consent page: approve (with the scopes left ticked) or deny. */
  answer(consentPage: Page, decision: 'approve' | 'deny', extra: Record<string, string | string[]> = {}): Promise<Page> {
    const handle = field(consentPage.body, 'handle');
    if (!handle) throw new Error('not a consent page');
    const offered = [...consentPage.body.matchAll(/name="scope" value="([^"]*)"/g)].map((match) => match[1]);
    return this.submit('/authorize', { handle, decision, scope: offered, ...extra });
  }

  private async read(response: Response): Promise<Page> {
    this.jar.store(response);
    return { response, body: await response.text() };
  }
}
