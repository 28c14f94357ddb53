import type { ServerContext } from '../context';

/**
 * The in-page MCP client's identities, one per way a client can get a client_id (besides
 * dynamic registration, which the page does itself at /oauth/register):
 *   - pre-registered: a public client created once per origin with the library's createClient,
 *     as an administrator would, its id kept in KV under `lab:preregistered-client:<origin>`;
 *   - Client ID Metadata Document: the page's client_id is the URL of a document served here.
 * Both send the browser back to `<origin>/lab/callback`.
 */
export const CALLBACK_PATH = '/lab/callback';
export const CLIENT_METADATA_PATH = '/lab/client-metadata.json';
/** The CIMD attack lab's attacker's document (clearly not the page's: it lives under /lab/attacker/). */
export const ATTACKER_METADATA_PATH = '/lab/attacker/client-metadata.json';

const GRANT_TYPES = ['authorization_code', 'refresh_token'];

export const preregisteredClientKey = (origin: string) => `lab:preregistered-client:${origin}`;

/** The pre-registered client's id, creating the client the first time (or again if it was deleted). */
export async function preregisteredClientId({ env, origin, authorizationServer }: ServerContext): Promise<string> {
  const oauth = authorizationServer.getOAuthApi(env);
  const key = preregisteredClientKey(origin);
  const known = await env.OAUTH_KV.get(key);
  if (known && (await oauth.lookupClient(known))) return known;
  // Two first requests at once may each create a client; the last one written is kept, and both work.
  const created = await oauth.createClient({
    clientName: 'MCP Auth Lab (pre-registered)',
    redirectUris: [origin + CALLBACK_PATH],
    grantTypes: GRANT_TYPES,
    responseTypes: ['code'],
    tokenEndpointAuthMethod: 'none',
  });
  await env.OAUTH_KV.put(key, created.clientId);
  return created.clientId;
}

/**
 * The page's Client ID Metadata Document. Its client_id is its own URL, which must be https:
 * on http://localhost the authorization server refuses it, as the CIMD draft requires.
 */
export function clientMetadataDocument(origin: string) {
  return {
    client_id: origin + CLIENT_METADATA_PATH,
    client_name: 'MCP Auth Lab (in your browser)',
    client_uri: `${origin}/`,
    redirect_uris: [origin + CALLBACK_PATH],
    token_endpoint_auth_method: 'none',
    grant_types: GRANT_TYPES,
    response_types: ['code'],
  };
}

/**
 * The CIMD attack lab's attacker's Client ID Metadata Document, served by the lab so the attack
 * can run for real: a stranger's document that copies the in-page client's name and claims its
 * callback as its only redirect URI, to pass for it on the consent page. A real attacker would
 * serve it from their own domain, and the consent page would name that domain. It grants nothing by
 * itself: the authorization server still asks the user, sends codes only to the callback listed
 * here (the page's, not the attacker's), and binds each code to this client_id.
 */
export function attackerMetadataDocument(origin: string) {
  // A copy of the page's document in every member but the one it cannot copy: its own URL.
  return { ...clientMetadataDocument(origin), client_id: origin + ATTACKER_METADATA_PATH };
}
