/** JSON values as Step Functions passes them between states. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Size in bytes of a JSON text, as the service counts it against its 256 KiB payload quota. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * A value as it comes out of a serialization round trip (what a Lambda function receives or
 * returns in AWS): dates become strings, `undefined` fields vanish, and the copy shares nothing
 * with the original, so a handler cannot mutate state that the interpreter still holds.
 */
export function jsonRoundTrip(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  // JSON.stringify(undefined) is undefined: Lambda answers `null` for a handler that returns nothing.
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

/** Parse a JSON text, or say why not in one line. */
export function parseJson(text: string): { ok: true; value: JsonValue } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
