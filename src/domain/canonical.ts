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
  walk(value, path, 0, out, index);
}

function walk(value: unknown, path: string, depth: number, out: Problem[], index?: number): void {
  if (out.length >= CANONICAL_LIMITS.maxProblems) return;
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) out.push(badString(path, index));
      return;
    case 'number':
      if (!Number.isFinite(value) || Math.abs(value) > CANONICAL_LIMITS.maxNumber)
        out.push(badNumber(path, index));
      return;
    case 'object': {
      if (value === null) return;
      if (depth >= CANONICAL_LIMITS.maxDepth) {
        out.push(
          problem(
            path || '(body)',
            'field_range',
            `${path || 'the body'} is nested more than ${CANONICAL_LIMITS.maxDepth} levels deep`,
            index,
          ),
        );
        return;
      }
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) walk(value[i], join(path, String(i)), depth + 1, out, index);
        return;
      }
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const at = join(path, key);
        if (!key.isWellFormed()) out.push(badString(at, index, 'name'));
        walk((value as Record<string, unknown>)[key], at, depth + 1, out, index);
      }
      return;
    }
    default:
      return;
  }
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

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
