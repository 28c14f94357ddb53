import { CHANNEL_NAME, isCallbackMessage } from './callback-channel';

/**
 * The sign-in window: the player's side of `FlowEnvironment.authorize`.
 *
 * Browsers allow a pop-up only inside a user's click, but the authorization URL exists only after
 * discovery and registration, several requests later. So the window opens synchronously in the
 * click handler on a same-origin placeholder (/lab/authorizing), and is sent on to the
 * authorization URL when the engine asks. The response comes back over a BroadcastChannel from
 * the callback page (see callback-channel.ts).
 */
export const AUTHORIZING_PATH = '/lab/authorizing';
const WINDOW_NAME = 'mcp-auth-lab-sign-in';
const WINDOW_FEATURES = 'popup,width=540,height=760';
/** How often to look whether the user closed the window. */
const CLOSED_POLL_MS = 300;
/** A closed window may still have posted its callback: wait this long for it before giving up. */
const CLOSED_GRACE_MS = 600;

export class PopupBlockedError extends Error {
  override name = 'PopupBlockedError';
  constructor(readonly authorizationUrl: URL) {
    super('The browser blocked the sign-in window.');
  }
}

export class PopupClosedError extends Error {
  override name = 'PopupClosedError';
  constructor() {
    super('The sign-in window was closed before the authorization server sent the browser back.');
  }
}

export interface SignInWindowHooks {
  /**
   * The pop-up was blocked. The player explains it and offers a link that opens the URL in a new
   * tab (a link the user clicks is never blocked); the callback still arrives on the channel.
   * Resolve to keep waiting for it, or reject to give up.
   */
  onBlocked(url: URL, signal: AbortSignal): Promise<void>;
}

export class SignInWindow {
  #window: Window | null = null;
  #opened = false;

  /** Call synchronously inside the click handler. Returns false when the browser blocked it. */
  open(): boolean {
    this.#opened = true;
    if (this.#window && !this.#window.closed) return true;
    this.#window = window.open(AUTHORIZING_PATH, WINDOW_NAME, WINDOW_FEATURES);
    return this.#window !== null;
  }

  get isOpen(): boolean {
    return this.#window !== null && !this.#window.closed;
  }

  close(): void {
    if (this.#window && !this.#window.closed) this.#window.close();
    this.#window = null;
    this.#opened = false;
  }

  /** `FlowEnvironment.authorize`: shows the URL in the window and waits for the callback. */
  authorize(url: URL, signal: AbortSignal, hooks: SignInWindowHooks): Promise<URL> {
    const expectedState = url.searchParams.get('state');
    const channel = new BroadcastChannel(CHANNEL_NAME);
    let poll: ReturnType<typeof setInterval> | undefined;
    const cleanUp = () => {
      channel.close();
      clearInterval(poll);
    };
    return new Promise<URL>((resolve, reject) => {
      const fail = (error: unknown) => (cleanUp(), reject(error));
      signal.addEventListener('abort', () => fail(signal.reason), { once: true });
      channel.onmessage = (event: MessageEvent) => {
        if (!isCallbackMessage(event.data)) return;
        const landed = new URL(event.data.url);
        // Another tab's run uses its own state: its callback is not ours.
        const state = landed.searchParams.get('state');
        if (expectedState !== null && state !== null && state !== expectedState) return;
        cleanUp();
        this.close();
        window.focus();
        resolve(landed);
      };

      // Not opened in the click (e.g. a run resumed by Step after the click that needed it): try now.
      const prepared = this.#opened && this.#window && !this.#window.closed ? this.#window : null;
      const sent = prepared ?? window.open(url.href, WINDOW_NAME, WINDOW_FEATURES);
      if (!sent) {
        hooks.onBlocked(url, signal).catch(fail);
        return;
      }
      this.#window = sent;
      if (prepared) prepared.location.href = url.href;
      poll = setInterval(() => {
        if (!sent.closed) return;
        clearInterval(poll);
        setTimeout(() => fail(new PopupClosedError()), CLOSED_GRACE_MS);
      }, CLOSED_POLL_MS);
    });
  }
}
