/**
 * The OAuth library looks clients and tokens up in KV by keys built from what the caller sent
 * (`client:<client_id>`, `token:<user>:<grant>:<hash>`) before it validates them, and KV throws
 * on a key over 512 bytes: a long enough client_id or bearer token would be a 500 (or a 503 from
 * the resource server) instead of "unknown". Nothing that long can be ours, so it is refused here.
 */
const KV_KEY_LIMIT_BYTES = 512;
/** Leaves room for the longest prefix and hash the library adds around a value. */
export const MAX_LOOKUP_BYTES = KV_KEY_LIMIT_BYTES - 128;

export function fitsKvLookup(value: string | null | undefined): boolean {
  return !value || new TextEncoder().encode(value).length <= MAX_LOOKUP_BYTES;
}

/** Every client_id a token-endpoint request names: in its form body, or as its Basic user. */
export async function tokenRequestClientIds(request: Request): Promise<string[]> {
  const ids: string[] = [];
  if ((request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
    // Decoded from bytes: workerd warns when .text() reads a body that is not typed as text.
    const body = new TextDecoder().decode(await request.clone().arrayBuffer());
    ids.push(...new URLSearchParams(body).getAll('client_id'));
  }
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  if (basic) {
    try {
      ids.push(atob(basic).split(':')[0]);
    } catch {
      // not base64: the library answers invalid_client itself
    }
  }
  return ids;
}
