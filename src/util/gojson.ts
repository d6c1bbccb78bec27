/**
 * JSON as Go's encoding/json writes it, where the bytes matter (manifests and configs are
 * content-addressed, and Podman's output is an interface): `<`, `>`, `&`, U+2028 and U+2029
 * are escaped as \u003c and friends. Key order is the caller's insertion order.
 */
const ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

export function goJson(value: unknown, indent?: string): string {
  return JSON.stringify(value, null, indent).replace(/[<>&\u2028\u2029]/g, (c) => ESCAPES[c]);
}
