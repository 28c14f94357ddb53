import type { ServerContext } from '../context';

/**
 * An option's endpoints are built once per origin (their metadata names the origin), or once per
 * (origin, key) when their metadata also depends on configuration.
 */
export function memo<T>(build: (context: ServerContext) => T, key: (context: ServerContext) => string = () => ''): (context: ServerContext) => T {
  const built = new Map<string, T>();
  return (context) => {
    const id = `${context.origin} ${key(context)}`;
    let value = built.get(id);
    if (value === undefined) {
      value = build(context);
      built.set(id, value);
    }
    return value;
  };
}
