import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, MAX_BODY_BYTES, readBodyText, withBody } from './body';

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request('https://mcp.example/mcp', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

/** A body streamed in chunks, so the request has no Content-Length; pulled only when read. */
function streamed(chunks: Uint8Array[], onPull?: () => void) {
  let index = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        onPull?.();
        if (index < chunks.length) controller.enqueue(chunks[index++]);
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

const bytes = (size: number, fill = 0x61) => new Uint8Array(size).fill(fill);

describe('readBodyText', () => {
  it('reads a body within the limit', async () => {
    expect(await readBodyText(post('{"a":1}'))).toBe('{"a":1}');
  });

  it('reads a body of exactly the limit', async () => {
    expect((await readBodyText(post(bytes(1024)), 1024)).length).toBe(1024);
  });

  it('reads an empty body, and a request with none', async () => {
    expect(await readBodyText(post(''))).toBe('');
    expect(await readBodyText(new Request('https://mcp.example/mcp'))).toBe('');
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    let pulls = 0;
    const request = post(streamed([bytes(10)], () => pulls++), { 'content-length': String(MAX_BODY_BYTES + 1) });
    await expect(readBodyText(request)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(pulls).toBe(0);
  });

  it('refuses a body over the limit sent without Content-Length, and stops reading it', async () => {
    let pulls = 0;
    const chunks = Array.from({ length: 100 }, () => bytes(100));
    const request = post(streamed(chunks, () => pulls++));
    expect(request.headers.get('content-length')).toBeNull();
    const error = await readBodyText(request, 1000).catch((caught) => caught);
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect((error as BodyTooLargeError).limit).toBe(1000);
    expect(pulls).toBeLessThan(20);
  });

  it('refuses a body that lies about its length (Content-Length under the limit, more bytes sent)', async () => {
    const request = post(streamed([bytes(600), bytes(600)]), { 'content-length': '10' });
    await expect(readBodyText(request, 1000)).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it('counts bytes, not characters', async () => {
    const text = 'é'.repeat(600); // 1200 bytes
    await expect(readBodyText(post(text), 1000)).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const encoded = new TextEncoder().encode('naïve ☕');
    const request = post(streamed([encoded.slice(0, 3), encoded.slice(3, 8), encoded.slice(8)]));
    expect(await readBodyText(request)).toBe('naïve ☕');
  });

  it.each(['abc', '-1', ''])('ignores a Content-Length that is not a size (%j) and counts the bytes', async (declared) => {
    expect(await readBodyText(post(streamed([bytes(10)]), { 'content-length': declared }), 100)).toBe('a'.repeat(10));
  });
});

describe('withBody', () => {
  it('keeps the method, URL and headers, with the body already read', async () => {
    const original = new Request('https://mcp.example/mcp?x=1', { method: 'POST', body: 'ignored', headers: { 'x-test': '1' } });
    const copy = withBody(original, 'replacement');
    expect(copy.method).toBe('POST');
    expect(copy.url).toBe('https://mcp.example/mcp?x=1');
    expect(copy.headers.get('x-test')).toBe('1');
    expect(await copy.text()).toBe('replacement');
  });

  it('uses the headers it is given instead', () => {
    const copy = withBody(post('x', { 'x-test': '1' }), 'y', new Headers({ 'x-other': '2' }));
    expect(copy.headers.get('x-test')).toBeNull();
    expect(copy.headers.get('x-other')).toBe('2');
  });
});
