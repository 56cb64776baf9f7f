import type { ErrorObject } from 'ajv';
import { CANONICAL_LIMITS } from '../domain/canonical.ts';
import { problem, type ErrorCode, type Problem } from '../domain/errors.ts';

/** Ajv keyword → stable error code. */
const CODE_BY_KEYWORD: Record<string, ErrorCode> = {
  required: 'field_required',
  type: 'field_type',
  format: 'field_format',
  pattern: 'field_format',
  enum: 'field_format',
  const: 'field_format',
  anyOf: 'field_type',
  additionalProperties: 'field_unknown',
  minLength: 'field_range',
  maxLength: 'field_range',
  minimum: 'field_range',
  maximum: 'field_range',
  exclusiveMinimum: 'field_range',
  exclusiveMaximum: 'field_range',
  minItems: 'field_range',
  maxItems: 'field_range',
  maxProperties: 'field_range',
};

/**
 * Turns Ajv errors into problems. With `itemized`, the first path segment is the index
 * of the event in the batch. Branch errors under an `anyOf` are folded into the
 * `anyOf` error itself, whose schema description says what was expected.
 */
export function problemsFromAjv(errors: readonly ErrorObject[], itemized: boolean): Problem[] {
  const out: Problem[] = [];
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const e of errors) {
    // A body of 200,000 unknown keys has as many errors: the client has enough to fix
    // with the first few, and an answer of them all would cost more than the body did.
    if (out.length >= CANONICAL_LIMITS.maxProblems) break;
    if (e.keyword !== 'anyOf' && anyOfPaths.has(e.instancePath)) continue;
    const segments = e.instancePath.split('/').slice(1).map(unescapePointer);
    if (e.keyword === 'required') segments.push(String(e.params.missingProperty));
    if (e.keyword === 'additionalProperties') segments.push(String(e.params.additionalProperty));
    let index: number | undefined;
    if (itemized && segments.length > 0) index = Number(segments.shift());
    const field = segments.join('.') || '(body)';
    const reason = reasonFor(e, field);
    out.push(problem(field, CODE_BY_KEYWORD[e.keyword] ?? 'field_format', reason, index));
  }
  return out;
}

function reasonFor(e: ErrorObject, field: string): string {
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  switch (e.keyword) {
    case 'required':
      return `${field} is required`;
    case 'additionalProperties':
      return `${field} is not a known field`;
    case 'anyOf': {
      if (description) return `${field}: ${description}`;
      // A union of literals (TypeBox's enum): name them.
      const branches = e.schema as { const?: unknown }[] | undefined;
      const values = Array.isArray(branches) ? branches.map((b) => b.const) : [];
      if (values.length > 0 && values.every((v) => v !== undefined))
        return `${field} must be one of: ${values.map((v) => String(v)).join(', ')}`;
      return `${field} ${e.message ?? 'is invalid'}`;
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      return `${field} must be one of: ${allowed.map((v) => String(v)).join(', ')}`;
    }
    default:
      return `${field} ${e.message ?? 'is invalid'}`;
  }
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}
