import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * The validator every dialect compiles its request schemas with: every problem, not
 * just the first (a client hears of all of them in one answer); no coercion and no
 * silent dropping of unknown fields; the standard formats (email, ipv4, date-time, …).
 */
export const dialectAjv = new Ajv({
  allErrors: true,
  strict: false,
  coerceTypes: false,
  removeAdditional: false,
});
addFormats(dialectAjv);

/** Bodies outside the dialects (admin, Live): no coercion, defaults filled in. */
export const bodyAjv = new Ajv({
  allErrors: true,
  strict: false,
  coerceTypes: false,
  useDefaults: true,
  verbose: true,
});
addFormats(bodyAjv);

/**
 * Query strings and path parameters: text converted to the schema's types (`limit=10`
 * is the integer 10; a repeated parameter may become an array), defaults filled in.
 */
export const paramsAjv = new Ajv({
  allErrors: true,
  strict: false,
  coerceTypes: 'array',
  useDefaults: true,
  // Errors carry their schema, so that a message can list an enum's allowed values.
  verbose: true,
});
addFormats(paramsAjv);

/**
 * For routes whose body schema is published (OpenAPI) but validated by the route itself,
 * with its own per-item problems: the body passes Fastify's validation as it is; the
 * other parts are validated as usual.
 */
export const documentedBodyCompiler = ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
  httpPart === 'body' ? () => true : paramsAjv.compile(schema);
