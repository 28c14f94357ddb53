/** JSON with two-space indents, but arrays of plain values on one line: easier to scan. */
export function prettyJsonWithInlineArrays(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /\[\n\s*([^[\]{}]*?)\n\s*\]/g,
    (_, items: string) => `[${items.split(/,\n\s*/).join(', ')}]`,
  );
}
