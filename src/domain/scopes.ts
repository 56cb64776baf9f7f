/**
 * The scopes an OAuth client may be granted. Connectors written for the push
 * usage-events API ask for the scope in its full URL form; that form names the same
 * scope, so both are accepted wherever a scope is read, and tokens carry the short one.
 */
export const SCOPES = ['connector.write', 'connector.read'] as const;
export type Scope = (typeof SCOPES)[number];

export const SCOPE_HELP: Record<Scope, string> = {
  'connector.write': 'push usage events for the tenant’s apps',
  'connector.read': 'read the tenant’s app definitions and event mappings',
};

const FULL_FORM_PREFIX = 'https://api.productiv.com/';

/** A scope as a client may write it → the scope, or null when there is no such scope. */
export function parseScope(text: string): Scope | null {
  const short = text.startsWith(FULL_FORM_PREFIX) ? text.slice(FULL_FORM_PREFIX.length) : text;
  return (SCOPES as readonly string[]).includes(short) ? (short as Scope) : null;
}

/** RFC 6749 §3.3: a space-delimited list. Unknown entries come back in `unknown`. */
export function parseScopeList(text: string): { scopes: Scope[]; unknown: string[] } {
  const scopes = new Set<Scope>();
  const unknown: string[] = [];
  for (const entry of text.split(' ').filter(Boolean)) {
    const scope = parseScope(entry);
    if (scope) scopes.add(scope);
    else unknown.push(entry);
  }
  return { scopes: [...scopes], unknown };
}
