/**
 * Secrets in what the lab layer shows of the Worker's storage (grant-state.ts): a token-like value
 * becomes a prefix and its length, never the value. Pure, no imports.
 */

/** A secret as shown: a prefix and the length, never the value. `text` is e.g. `gho_…(40 chars)`. */
export interface MaskedSecret {
  text: string;
  prefix: string;
  length: number;
}

/** One leaf of a JSON value (props, grant metadata), by its dotted path; a secret is masked. */
export interface StoredField {
  /** e.g. `userName`, `github.accessToken`, `oidc.claims.email`. */
  path: string;
  /** The value, unless it is a secret. */
  value?: string | number | boolean | null;
  /** Instead of `value`, for a secret. */
  secret?: MaskedSecret;
}

/** Parameters and members whose values are credentials, by name (accessToken, refresh_token, client_secret, …). */
const SECRET_NAME = /token|secret|password|verifier|assertion|^code$|^handle$|^csrf$/i;
/** Values that are credentials whatever their name: a JWT, or a GitHub token. */
const SECRET_VALUE = /^(eyJ[\w-]*\.[\w-]*\.[\w-]*|gh[opusr]_\w+)$/;

/**
 * `gho_…(40 chars)`: a vendor's prefix (GitHub's `gho_`), a JWT's `eyJ` (every JWT starts so), else
 * the first 4 characters of a long value (none of a short one, where 4 would be too much of it).
 */
export function maskSecret(value: string): MaskedSecret {
  const known = /^([a-z]{2,5}_)/.exec(value)?.[1] ?? (value.startsWith('eyJ') ? 'eyJ' : null);
  const prefix = known ?? (value.length >= 24 ? value.slice(0, 4) : '');
  return { text: `${prefix}…(${value.length} chars)`, prefix, length: value.length };
}

/** Every leaf of a JSON value by dotted path (at most 200), secrets masked by name or by shape. */
export function flatten(value: unknown): StoredField[] {
  const fields: StoredField[] = [];
  const walk = (node: unknown, path: string, secretByName: boolean) => {
    if (fields.length >= 200) return;
    if (Array.isArray(node)) {
      if (node.length === 0) fields.push({ path, value: '[]' });
      node.forEach((item, index) => walk(item, `${path}[${index}]`, secretByName));
      return;
    }
    if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      if (entries.length === 0 && path) fields.push({ path, value: '{}' });
      for (const [name, child] of entries) walk(child, path ? `${path}.${name}` : name, secretByName || SECRET_NAME.test(name));
      return;
    }
    if (typeof node === 'string') {
      fields.push(secretByName || SECRET_VALUE.test(node) ? { path, secret: maskSecret(node) } : { path, value: node });
      return;
    }
    if (typeof node === 'number' || typeof node === 'boolean' || node === null) {
      fields.push(secretByName && node !== null ? { path, secret: maskSecret(String(node)) } : { path, value: node });
    }
  };
  walk(value, '', false);
  return fields;
}

