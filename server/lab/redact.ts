import { redactedValue, type HeaderList } from './exchange';

/**
 * What the Worker hides before an exchange leaves it. Pure string work, no parsing that could
 * fail: URLs, headers and bodies are rewritten in place, so the learner still sees the shape of
 * each request (which parameters, which cookies, which attributes) and how long each secret was.
 * `state` is not a secret: it is the client's CSRF check, and learners need to see it match.
 */

/** Parameters and JSON members whose values are credentials (RFC 6749, 7636, 7523, 8693, 8628). */
export const SECRET_PARAMETERS: ReadonlySet<string> = new Set([
  'code',
  'code_verifier',
  'client_secret',
  'client_assertion',
  'refresh_token',
  'access_token',
  'id_token',
  'subject_token',
  'actor_token',
  'device_code',
  'assertion',
  'password',
  // the lab's own form fields: the consent form's single-use handle and the sign-in CSRF value
  'handle',
  'csrf',
]);

export interface Redaction<T> {
  value: T;
  /** Where something was replaced, e.g. `query.code`, `header.cookie`, `response.access_token`. */
  redacted: string[];
}

/** Rewrites `name=value` pairs joined by `&` (a query, a fragment, a form body), keeping the rest verbatim. */
function redactPairs(pairs: string, where: string, found: Set<string>): string {
  return pairs
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) return pair;
      const name = safeDecode(pair.slice(0, equals));
      if (!SECRET_PARAMETERS.has(name)) return pair;
      found.add(`${where}.${name}`);
      return `${pair.slice(0, equals)}=${redactedValue(name, safeDecode(pair.slice(equals + 1)))}`;
    })
    .join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** A URL, absolute or relative: secrets in its query and fragment (implicit-style responses) are replaced. */
export function redactUrl(url: string, where = 'query'): Redaction<string> {
  const found = new Set<string>();
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  let value = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt + 1) + redactPairs(beforeHash.slice(queryAt + 1), where, found);
  if (hashAt >= 0) value += `#${redactPairs(url.slice(hashAt + 1), `${where}.fragment`, found)}`;
  return { value, redacted: [...found] };
}

/** Credentials that are never useful to see: the scheme stays (`Bearer`, `Basic`), the credential goes. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization']);

function redactCookiePairs(header: string): string {
  return header
    .split(';')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals < 0 ? pair : `${pair.slice(0, equals)}=${redactedValue('cookie', pair.slice(equals + 1).trim())}`;
    })
    .join(';');
}

/** `Set-Cookie`: the cookie's name and attributes (HttpOnly, SameSite, Max-Age…) stay, its value goes. */
function redactSetCookie(line: string): string {
  const semicolon = line.indexOf(';');
  const pair = semicolon < 0 ? line : line.slice(0, semicolon);
  return redactCookiePairs(pair) + (semicolon < 0 ? '' : line.slice(semicolon));
}

export function redactHeaders(headers: HeaderList): Redaction<HeaderList> {
  const found = new Set<string>();
  const value = headers.map(([name, raw]): [string, string] => {
    const lower = name.toLowerCase();
    if (CREDENTIAL_HEADERS.has(lower)) {
      found.add(`header.${lower}`);
      const space = raw.indexOf(' ');
      return space < 0 ? [name, redactedValue(lower, raw)] : [name, `${raw.slice(0, space)} ${redactedValue(lower, raw.slice(space + 1))}`];
    }
    if (lower === 'cookie' || lower === 'set-cookie') {
      found.add(`header.${lower}`);
      return [name, lower === 'cookie' ? redactCookiePairs(raw) : redactSetCookie(raw)];
    }
    if (lower === 'location') {
      const location = redactUrl(raw, 'location');
      location.redacted.forEach((label) => found.add(label));
      return [name, location.value];
    }
    return [name, raw];
  });
  return { value, redacted: [...found] };
}

const JSON_SECRET_MEMBER = new RegExp(`"(${[...SECRET_PARAMETERS].join('|')})"(\\s*:\\s*)"((?:[^"\\\\]|\\\\.)*)"`, 'g');
const HTML_INPUT = /<input\b[^>]*>/gi;
const attribute = (name: string) => new RegExp(`(\\s${name}\\s*=\\s*)(["'])(.*?)\\2`, 'i');

/**
 * A request or response body, by its content type. Forms: their pairs. Everything else that is
 * text: JSON members (at any depth, also inside HTML scripts or an event stream, and in a body
 * cut short by the size limit, which a JSON parser would refuse), and in HTML the values of
 * secret form fields (the consent page's `handle`, the sign-in page's `csrf`).
 */
export function redactBody(body: string | null, contentType: string | null, where: 'body' | 'response'): Redaction<string | null> {
  if (body === null) return { value: null, redacted: [] };
  const found = new Set<string>();
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return { value: redactPairs(body, where, found), redacted: [...found] };
  }
  let value = body.replace(JSON_SECRET_MEMBER, (_match, name: string, colon: string, secret: string) => {
    found.add(`${where}.${name}`);
    return `"${name}"${colon}"${redactedValue(name, secret)}"`;
  });
  if (type.startsWith('text/html')) {
    value = value.replace(HTML_INPUT, (tag) => {
      const name = attribute('name').exec(tag)?.[3];
      if (!name || !SECRET_PARAMETERS.has(name) || !attribute('value').test(tag)) return tag;
      found.add(`${where}.${name}`);
      return tag.replace(attribute('value'), (_match, before: string, quote: string, secret: string) => `${before}${quote}${redactedValue(name, secret)}${quote}`);
    });
  }
  return { value, redacted: [...found] };
}

/** The parts of an exchange that can carry secrets. */
export interface ExchangeContent {
  url: string;
  requestHeaders: HeaderList;
  requestBody: string | null;
  responseHeaders: HeaderList;
  responseBody: string | null;
}

const contentTypeOf = (headers: HeaderList) => headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? null;

/** Everything the Worker sends to a trace goes through here. */
export function redactExchange(content: ExchangeContent): Redaction<ExchangeContent> {
  const url = redactUrl(content.url);
  const requestHeaders = redactHeaders(content.requestHeaders);
  const requestBody = redactBody(content.requestBody, contentTypeOf(content.requestHeaders), 'body');
  const responseHeaders = redactHeaders(content.responseHeaders);
  const responseBody = redactBody(content.responseBody, contentTypeOf(content.responseHeaders), 'response');
  const parts = [url, requestHeaders, requestBody, responseHeaders, responseBody];
  return {
    value: {
      url: url.value,
      requestHeaders: requestHeaders.value,
      requestBody: requestBody.value,
      responseHeaders: responseHeaders.value,
      responseBody: responseBody.value,
    },
    redacted: [...new Set(parts.flatMap((part) => part.redacted))],
  };
}
