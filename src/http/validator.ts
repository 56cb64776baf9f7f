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
