import type { ForeignRequest } from '../flow/types';

/**
 * The Origin attack lab's page of another origin: a sandboxed frame without `allow-same-origin`,
 * so the browser gives it an opaque origin, sends `Origin: null` with its requests, treats them as
 * another site's (no cookie of this site goes along) and hides every answer from it, as from any
 * foreign page. Its script makes one fetch and tells this page only what it could see. The frame
 * is removed as soon as it has answered, or when the lab is cancelled.
 */
const NO_ANSWER_MS = 15_000;

export function fetchFromForeignPage(url: string, init: ForeignRequest, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const frame = document.createElement('iframe');
    frame.setAttribute('sandbox', 'allow-scripts');
    frame.title = 'The attacker’s page (an attack lab)';
    frame.hidden = true;
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      removeEventListener('message', onMessage);
      signal.removeEventListener('abort', onAbort);
      frame.remove();
      settle();
    };
    const onMessage = (event: MessageEvent) => {
      if (event.source !== frame.contentWindow) return;
      finish(() => resolve(String((event.data as { seen?: unknown } | null)?.seen)));
    };
    const onAbort = () => finish(() => reject(new DOMException('The attack lab was cancelled.', 'AbortError')));
    const timer = setTimeout(() => finish(() => resolve(`no word from the frame after ${NO_ANSWER_MS / 1000} s`)), NO_ANSWER_MS);
    addEventListener('message', onMessage);
    signal.addEventListener('abort', onAbort, { once: true });
    // JSON is valid script; `<` escaped so nothing in it can end the script element.
    const request = JSON.stringify({ url, init }).replace(/</g, '\\u003c');
    frame.srcdoc = `<!doctype html><meta charset="utf-8"><script>
const { url, init } = ${request};
fetch(url, init).then(
  (response) => (response.type === 'opaque' ? 'an opaque response: the browser hides its status and body' : 'HTTP ' + response.status),
  (error) => String(error),
).then((seen) => parent.postMessage({ seen }, '*'));
</script>`;
    document.body.appendChild(frame);
  });
}
