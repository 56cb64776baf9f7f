/**
 * The canonical form: what every value that reaches the log must be, so that every
 * consumer (the DuckDB and PostgreSQL stores, the Live dispatcher) can apply it. A value
 * outside it is refused with 400 before the 2xx, never discovered by a consumer after.
 * docs/operations.md documents these limits.
 */
import { problem, type Problem } from './errors.ts';

export const CANONICAL_LIMITS = {
  /** Levels of objects and arrays in one request body or one event. */
  maxDepth: 32,
  /**
   * The largest magnitude of any number: 2^53 − 1. Every integer up to it is exact in
   * JSON, JavaScript, BIGINT and DOUBLE alike; past it a count or a time silently loses
   * digits, and past 2^63 the stores' BIGINT columns overflow.
   */
  maxNumber: Number.MAX_SAFE_INTEGER,
  /** Problems reported per value checked; past this the client has enough to fix. */
  maxProblems: 20,
} as const;

/** The earliest and latest instants usagehub stores: years 1970 to 9999 (UTC). */
export const MIN_INSTANT_MS = 0;
export const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Checks a parsed JSON value against the canonical form: every string (object keys
 * included) well-formed Unicode — no lone UTF-16 surrogate, which no store's JSON
 * parser accepts — every number finite and within ±maxNumber, nesting within maxDepth.
 * Problems go to `out`, each naming the dotted path of the field at fault under `path`.
 * Recursion stops at the depth limit, so any input is walked safely.
 */
export function checkCanonical(value: unknown, path: string, out: Problem[], index?: number): void {
  if (typeof value === 'object' && value !== null) {
    // Nearly every value is fine: a quick walk says whether one is not, and only then
    // does the walk that names each problem's path run (340 → 170 ns per Segment
    // message, side by side with the single walk).
    if (!isCanonical(value, 0)) new Walk(path, out, index).value(value, 0);
  } else if (out.length < CANONICAL_LIMITS.maxProblems) {
    const fault = leafFault(value);
    if (fault) out.push(leafProblem(fault, path, index));
  }
}

/**
 * Whether a container is in the canonical form, with no paths kept. `for…in` without an
 * own-key test: a key an altered Object.prototype adds is only looked at too, and a
 * fault found there sends the value to Walk, which tests.
 */
function isCanonical(value: object, depth: number): boolean {
  if (depth >= CANONICAL_LIMITS.maxDepth) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'object' && v !== null ? !isCanonical(v, depth + 1) : !fineLeaf(v)) return false;
    }
    return true;
  }
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (!key.isWellFormed()) return false;
    if (typeof v === 'object' && v !== null ? !isCanonical(v, depth + 1) : !fineLeaf(v)) return false;
  }
  return true;
}

/** A string or number outside the canonical form: what is wrong with it, or null. */
const leafFault = (value: unknown): 'string' | 'number' | null =>
  typeof value === 'string'
    ? value.isWellFormed()
      ? null
      : 'string'
    : typeof value === 'number' && (!Number.isFinite(value) || Math.abs(value) > CANONICAL_LIMITS.maxNumber)
      ? 'number'
      : null;

const fineLeaf = (v: unknown): boolean => leafFault(v) === null;

const leafProblem = (fault: 'string' | 'number', path: string, index: number | undefined): Problem =>
  fault === 'string' ? badString(path, index) : badNumber(path, index);

/**
 * One check's state. The keys down to the value being looked at are kept on a stack and
 * joined into a dotted path only for a problem: most values are fine, and building every
 * field's path cost a string per field on the ingest path.
 */
class Walk {
  private readonly keys: string[] = [];

  constructor(
    private readonly root: string,
    private readonly out: Problem[],
    private readonly index: number | undefined,
  ) {}

  value(value: unknown, depth: number): void {
    if (this.out.length >= CANONICAL_LIMITS.maxProblems) return;
    if (typeof value === 'object' && value !== null) this.container(value, depth);
    else {
      const fault = leafFault(value);
      if (fault) this.out.push(leafProblem(fault, this.path(), this.index));
    }
  }

  private container(value: object, depth: number): void {
    if (depth >= CANONICAL_LIMITS.maxDepth) {
      const path = this.path();
      this.out.push(
        problem(
          path || '(body)',
          'field_range',
          `${path || 'the body'} is nested more than ${CANONICAL_LIMITS.maxDepth} levels deep`,
          this.index,
        ),
      );
      return;
    }
    const { keys } = this;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        keys.push(String(i));
        this.value(value[i], depth + 1);
        keys.pop();
      }
      return;
    }
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      keys.push(key);
      if (!key.isWellFormed()) this.out.push(badString(this.path(), this.index, 'name'));
      this.value((value as Record<string, unknown>)[key], depth + 1);
      keys.pop();
    }
  }

  /** The dotted path of the value being looked at. */
  private path(): string {
    return this.keys.reduce((path, key) => (path === '' ? key : `${path}.${key}`), this.root);
  }
}

function badString(path: string, index: number | undefined, what = 'value'): Problem {
  return problem(
    path,
    'field_format',
    `${path}: the ${what} is not well-formed Unicode (it holds a lone UTF-16 surrogate)`,
    index,
  );
}

function badNumber(path: string, index: number | undefined): Problem {
  return problem(
    path,
    'field_range',
    `${path} must be a finite number between -${CANONICAL_LIMITS.maxNumber} and ${CANONICAL_LIMITS.maxNumber}`,
    index,
  );
}
