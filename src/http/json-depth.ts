/**
 * How deeply a JSON body may nest. Vendors' events nest a handful of levels; a body nested thousands
 * deep is an attack on every recursive reader after the signature check (JSON.stringify in the
 * intake and in Temporal's payload converter overflow the stack near 10,000 levels: a 500 the
 * vendor retries forever). 64 leaves room for any real payload.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when the bytes open more than `max` objects or arrays at once. One linear pass over the raw
 * bytes, counting brackets outside strings, with no parsing and no recursion, so it is safe to run
 * before anything else reads the body. UTF-8 continuation bytes are never ASCII, so multi-byte
 * characters cannot fake a bracket or a quote.
 */
export function nestsDeeperThan(bytes: Uint8Array, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
