// JSON values and their canonical encoding (keys sorted, no whitespace), so equal data always hashes the same.

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue | undefined;
}

/**
 * Encodes `value` with object keys sorted by UTF-16 code units (as JSON Canonicalization, RFC 8785, does) and no
 * whitespace. Keys whose value is undefined are left out, as JSON.stringify would; anything JSON cannot carry
 * faithfully (NaN, Infinity, undefined in an array, a Date or other class instance) throws, because a hash
 * over a lossy encoding would not survive a round trip through storage.
 */
export function canonicalJson(value: JsonValue): string {
  return encode(value, '$');
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, which JSON cannot carry`);
      // JSON.stringify gives the shortest round-trip form and writes -0 as 0.
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item: unknown, i) => {
          if (item === undefined) throw new TypeError(`canonicalJson: ${path}[${i}] is undefined`);
          return encode(item, `${path}[${i}]`);
        }).join(',')}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new TypeError(`canonicalJson: ${path} is not a plain object`);
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      // Default sort compares UTF-16 code units, which is what RFC 8785 prescribes.
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${encode(v, `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot carry`);
  }
}
