import { describe, expect, it } from 'vitest';
import { prettyJsonWithInlineArrays } from './json-format';

describe('prettyJsonWithInlineArrays', () => {
  it('puts arrays of plain values on one line and keeps objects indented', () => {
    expect(prettyJsonWithInlineArrays({ scopes: ['mcp:read', 'mcp:write'], nested: { ok: true, list: [1, 2] }, empty: [] })).toBe(
      ['{', '  "scopes": ["mcp:read", "mcp:write"],', '  "nested": {', '    "ok": true,', '    "list": [1, 2]', '  },', '  "empty": []', '}'].join('\n'),
    );
  });

  it('leaves arrays of objects expanded', () => {
    expect(prettyJsonWithInlineArrays({ a: [{ b: 1 }] })).toBe(['{', '  "a": [', '    {', '      "b": 1', '    }', '  ]', '}'].join('\n'));
  });

  it('round-trips', () => {
    const value = { issuer: 'https://lab.example.com', list: ['a, b', 'c'], n: [1.5, -2] };
    expect(JSON.parse(prettyJsonWithInlineArrays(value))).toEqual(value);
  });
});
