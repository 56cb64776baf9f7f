const QUOTE = 34; // "
const BACKSLASH = 92; // \
const COLON = 58; // :
const COMMA = 44; // ,
const OPEN_OBJECT = 123; // {
const CLOSE_OBJECT = 125; // }
const OPEN_ARRAY = 91; // [
const CLOSE_ARRAY = 93; // ]

/** The end of the string that starts at `i` (its opening quote): the index after its closing quote. */
function skipString(doc: string, i: number): number {
  for (let j = i + 1; j < doc.length; j++) {
    const c = doc.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
}

/** The end of the value that starts at `i`: the index after it. */
function skipValue(doc: string, i: number): number {
  const first = doc.charCodeAt(i);
  if (first === QUOTE) return skipString(doc, i);
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    let j = i;
    while (j < doc.length) {
      const c = doc.charCodeAt(j);
      if (c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY) break;
      j++;
    }
    return j;
  }
  let depth = 0;
  for (let j = i; j < doc.length; j++) {
    const c = doc.charCodeAt(j);
    if (c === QUOTE) {
      j = skipString(doc, j) - 1;
      if (j < 0) return -1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return -1;
}

/**
 * The JSON text of some top-level fields of a compact JSON object (as JSON.stringify
 * writes it: no whitespace), found without parsing the rest: the scan skips nested
 * values and strings whole, so a key inside `properties` or `raw` is never taken for a
 * top-level one, and it stops once every wanted field is found. Fields it does not find
 * are absent; null when the text is not such an object. Values are JSON text (parse them).
 */
export function topLevelFields(doc: string, wanted: readonly string[]): Record<string, string> | null {
  if (doc.charCodeAt(0) !== OPEN_OBJECT) return null;
  const found = Object.create(null) as Record<string, string>;
  let left = wanted.length;
  let i = 1;
  while (i < doc.length && left > 0) {
    if (doc.charCodeAt(i) !== QUOTE) return doc.charCodeAt(i) === CLOSE_OBJECT ? found : null;
    const keyEnd = skipString(doc, i);
    if (keyEnd < 0 || doc.charCodeAt(keyEnd) !== COLON) return null;
    // Keys that need escapes are never wanted ones: compare the raw text.
    const key = doc.slice(i + 1, keyEnd - 1);
    const valueEnd = skipValue(doc, keyEnd + 1);
    if (valueEnd < 0) return null;
    if (wanted.includes(key) && !(key in found)) {
      found[key] = doc.slice(keyEnd + 1, valueEnd);
      left--;
    }
    const next = doc.charCodeAt(valueEnd);
    if (next === CLOSE_OBJECT) return found;
    if (next !== COMMA) return null;
    i = valueEnd + 1;
  }
  return found;
}
