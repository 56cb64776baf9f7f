/**
 * How deep a JSON text nests, found by one pass over its characters before any parse.
 * V8's JSON.parse takes ~140 ns per level of nesting (20 MB of `[` parse for 2.6 s before
 * failing), forty times its usual cost per byte, and the canonical form refuses anything
 * deeper than CANONICAL_LIMITS.maxDepth anyway: a large body is measured first, so no
 * client can make the parse itself the slow part.
 */

/** Bodies at least this long are measured before they are parsed; a shorter one parses in milliseconds whatever its shape. */
export const DEPTH_SCAN_FROM_CHARS = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** Whether `text`, read as JSON, opens more than `maxDepth` objects and arrays inside one another. Linear in its length. */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: to its closing quote, past escaped characters.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
