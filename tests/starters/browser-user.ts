import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { chromium, type Browser, type Page } from '@playwright/test';

/**
 * A person in a real Chromium, saying yes: it opens an authorization URL and presses each page's
 * primary button (sign in, Allow, Continue to the provider, Authorize) until the browser is sent
 * to `stopAt`, the client's redirect URI. With `answerCallback`, a loopback page is served there
 * for the moment (as a native MCP client does) and the URL the browser brought is returned.
 */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export class BrowserUser {
  private readonly browser: Browser;
  private page: Page;
  private constructor(browser: Browser, page: Page) {
    this.browser = browser;
    this.page = page;
  }

  static async launch(): Promise<BrowserUser> {
    const browser = await chromium.launch({
      executablePath: existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : undefined,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
    });
    const page = await (await browser.newContext()).newPage();
    return new BrowserUser(browser, page);
  }

  /**
   * A new person: no cookies, no history. Cookies belong to a host, not a port, so without this
   * one starter's sign-in cookies on 127.0.0.1 would be sent to the next.
   */
  async forget(): Promise<void> {
    const old = this.page.context();
    this.page = await (await this.browser.newContext()).newPage();
    await old.close();
  }

  async authorize(url: string | URL, stopAt: string, { answerCallback = true } = {}): Promise<URL> {
    let reached: URL | undefined;
    const callback = new URL(stopAt);
    const listener = answerCallback
      ? createServer((request, response) => {
          const arrived = new URL(request.url ?? '/', callback.origin);
          // Chromium asks for /favicon.ico too: only the callback path is the answer.
          if (arrived.pathname === callback.pathname) reached ??= arrived;
          response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Signed in</title><p>You can close this window.</p>');
        })
      : null;
    if (listener) await new Promise<void>((resolve, reject) => listener.once('error', reject).listen(Number(callback.port), callback.hostname, resolve));
    try {
      await this.page.goto(String(url));
      for (let step = 0; step < 10; step++) {
        if (reached) return reached;
        if (this.page.url().startsWith(stopAt)) return new URL(this.page.url());
        const button = this.page.locator('button.primary').first();
        if ((await button.count()) === 0) throw new Error(`no button to press at ${this.page.url()}: ${(await this.page.locator('main').innerText().catch(() => '')).slice(0, 300)}`);
        await Promise.all([this.page.waitForEvent('framenavigated'), button.click()]);
        await this.page.waitForLoadState('domcontentloaded');
      }
      throw new Error(`never reached ${stopAt}; stuck at ${this.page.url()}`);
    } finally {
      listener?.close();
    }
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}
