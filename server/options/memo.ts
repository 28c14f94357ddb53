import type { ServerEnv } from '../env';

/**
 * A resource server is built once per origin (its metadata names the origin); one whose metadata
 * also depends on configuration is built once per (origin, key).
 */
export function memo<T>(build: (env: ServerEnv, origin: string) => T, key: (env: ServerEnv) => string = () => ''): (env: ServerEnv, origin: string) => T {
  const built = new Map<string, T>();
  return (env, origin) => {
    const id = `${origin} ${key(env)}`;
    let value = built.get(id);
    if (value === undefined) {
      value = build(env, origin);
      built.set(id, value);
    }
    return value;
  };
}
