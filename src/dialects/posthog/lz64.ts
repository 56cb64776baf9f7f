/**
 * A bounded decoder for lz-string's base64 form (`compression=lz64`, what older posthog-js
 * sends). lz-string is LZW over UTF-16 code units: each code names a dictionary entry,
 * and each new entry is the previous output plus one character. Its own decoder keeps
 * entries as strings, so a few hundred kilobytes of crafted input grow entries of millions
 * of characters and decode for seconds into gigabytes before any limit can be checked.
 *
 * Here an entry is a (prefix entry, last character) pair — a trie — and its text is
 * written straight into the output, so the work is linear in the output, and the output
 * is refused the moment it would pass `maxChars`, before anything is allocated for it.
 * The dictionary grows by one entry per code read, and every code writes at least one
 * character, so it too is bounded by `maxChars`.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
const SIXBITS = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) SIXBITS[ALPHABET.charCodeAt(i)] = i;

export type Lz64Outcome = { outcome: 'ok'; text: string } | { outcome: 'too_large' } | { outcome: 'invalid' };

/** Reads the input's bits, most significant first, six to a character. */
class Bits {
  private index = 0;
  private value = 0;
  private mask = 0;
  constructor(private readonly input: string) {}

  get exhausted(): boolean {
    return this.mask === 0 && this.index >= this.input.length;
  }

  /** `n` bits, least significant first (lz-string's order); -1 past the end or on a bad character. */
  read(n: number): number {
    let bits = 0;
    for (let power = 1, i = 0; i < n; i++, power *= 2) {
      if (this.mask === 0) {
        if (this.index >= this.input.length) return -1;
        const code = this.input.charCodeAt(this.index++);
        const six = code < 128 ? SIXBITS[code]! : -1;
        if (six < 0) return -1;
        this.value = six;
        this.mask = 32;
      }
      if (this.value & this.mask) bits += power;
      this.mask >>= 1;
    }
    return bits;
  }
}

/** Growable typed arrays for the trie. */
class Trie {
  prefix = new Int32Array(1024);
  last = new Uint16Array(1024);
  first = new Uint16Array(1024);
  length = new Int32Array(1024);
  size = 3; // codes 0, 1 and 2 are instructions, not entries

  add(prefix: number, last: number): void {
    if (this.size === this.prefix.length) this.grow();
    const i = this.size++;
    this.prefix[i] = prefix;
    this.last[i] = last;
    this.first[i] = prefix < 0 ? last : this.first[prefix]!;
    this.length[i] = prefix < 0 ? 1 : this.length[prefix]! + 1;
  }

  private grow(): void {
    const n = this.prefix.length * 2;
    const more = <T extends Int32Array | Uint16Array>(a: T, b: T): T => (b.set(a), b);
    this.prefix = more(this.prefix, new Int32Array(n));
    this.last = more(this.last, new Uint16Array(n));
    this.first = more(this.first, new Uint16Array(n));
    this.length = more(this.length, new Int32Array(n));
  }
}

/** Output code units, grown by doubling up to the limit. */
class Output {
  units = new Uint16Array(4096);
  size = 0;
  constructor(private readonly max: number) {}

  /** Room for `n` more units; false when that would pass the limit. */
  reserve(n: number): boolean {
    const need = this.size + n;
    if (need > this.max) return false;
    if (need > this.units.length) {
      const grown = new Uint16Array(Math.min(this.max, Math.max(need, this.units.length * 2)));
      grown.set(this.units.subarray(0, this.size));
      this.units = grown;
    }
    return true;
  }

  /** Writes entry `k` of the trie (reserved before), from its last character back to its first. */
  entry(trie: Trie, k: number): void {
    const n = trie.length[k]!;
    let at = this.size + n - 1;
    for (let e = k; e >= 0; e = trie.prefix[e]!) this.units[at--] = trie.last[e]!;
    this.size += n;
  }

  text(): string {
    let out = '';
    for (let i = 0; i < this.size; i += 8192)
      out += String.fromCharCode.apply(null, this.units.subarray(i, Math.min(this.size, i + 8192)) as never);
    return out;
  }
}

/**
 * Decodes lz-string's `compressToBase64` output, refusing output longer than `maxChars` —
 * or, with `head`, answering the output so far: a look at a payload's first characters.
 */
export function decodeLz64(input: string, maxChars: number, head = false): Lz64Outcome {
  const bits = new Bits(input);
  const trie = new Trie();
  const out = new Output(maxChars);
  const full = (): Lz64Outcome => (head ? { outcome: 'ok', text: out.text() } : { outcome: 'too_large' });
  let width = 2;
  let enlargeIn = 4;
  // The previous entry written, whose extension by the next entry's first character is
  // the next dictionary entry.
  let previous = -1;
  for (;;) {
    if (previous >= 0 && bits.exhausted) return { outcome: 'invalid' };
    let code = bits.read(width);
    if (code < 0) return { outcome: 'invalid' };
    if (code === 2) return { outcome: 'ok', text: out.text() };
    if (code === 0 || code === 1) {
      const char = bits.read(code === 0 ? 8 : 16);
      if (char < 0) return { outcome: 'invalid' };
      trie.add(-1, char);
      code = trie.size - 1;
      if (previous >= 0 && --enlargeIn === 0) enlargeIn = 2 ** width++;
    }
    if (previous < 0) {
      // The first code is a literal, read two bits wide; from then on codes are three or more.
      if (trie.size !== 4) return { outcome: 'invalid' };
      if (!out.reserve(1)) return full();
      out.entry(trie, code);
      previous = code;
      width = 3;
      continue;
    }
    let written: number;
    if (code < trie.size) {
      if (!out.reserve(trie.length[code]!)) return full();
      out.entry(trie, code);
      written = code;
    } else if (code === trie.size) {
      // LZW's one special case: the entry being defined by this very code — the previous
      // entry followed by its own first character.
      if (!out.reserve(trie.length[previous]! + 1)) return full();
      out.entry(trie, previous);
      out.units[out.size++] = trie.first[previous]!;
      trie.add(previous, trie.first[previous]!);
      if (--enlargeIn === 0) enlargeIn = 2 ** width++;
      previous = trie.size - 1;
      continue;
    } else {
      return { outcome: 'invalid' };
    }
    trie.add(previous, trie.first[written]!);
    if (--enlargeIn === 0) enlargeIn = 2 ** width++;
    previous = written;
  }
}
