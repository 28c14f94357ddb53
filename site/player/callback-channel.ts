/**
 * How the sign-in window hands the authorization response back to the player: the callback page
 * (/lab/callback) posts its own URL on a same-origin BroadcastChannel. Unlike window.opener this
 * needs no link between the two windows, so it also works when the sign-in page was opened in a
 * new tab (after a blocked pop-up) or the opener link was cut.
 */
export const CHANNEL_NAME = 'mcp-auth-lab';

export interface CallbackMessage {
  type: 'callback';
  /** The full callback URL: `code`, `state` and `iss`, or `error` and its description. */
  url: string;
}

export function isCallbackMessage(data: unknown): data is CallbackMessage {
  return typeof data === 'object' && data !== null && (data as CallbackMessage).type === 'callback' && typeof (data as CallbackMessage).url === 'string';
}

/** What the callback page says about the response it received. */
export function describeCallback(url: URL): { title: string; detail: string } {
  const error = url.searchParams.get('error');
  if (error) {
    const description = url.searchParams.get('error_description');
    return {
      title: 'The authorization server said no',
      detail: `It answered with error=${error}${description ? ` (“${description}”)` : ''}. The lab page shows what it means.`,
    };
  }
  if (url.searchParams.has('code')) {
    return { title: 'Authorization code received', detail: 'The lab page has it now and exchanges it for a token. You can close this window.' };
  }
  return { title: 'Nothing to hand back', detail: 'This address carries no code and no error: it is where the authorization server sends the browser back to the lab.' };
}
