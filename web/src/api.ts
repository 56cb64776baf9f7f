/** Every request the console makes goes through here: the public API, with the session cookie. */

export interface Session {
  tenantId: string;
  keyId: string;
  role: string;
  expiresAt: string;
  csrfToken: string;
}

/** An error the server answered, as its envelope tells it (docs/errors.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

type Params = Record<string, string | number | boolean | undefined | null>;

let csrfToken = '';
let onSignedOut: () => void = () => {};

/** Called when any request finds the session gone: the console shows the sign-in page. */
export function whenSignedOut(listener: () => void): void {
  onSignedOut = listener;
}

export function query(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => null)) as {
    error?: { code: string; message: string; details?: { field?: string }[] };
  } | null;
  if (!res.ok) {
    const e = json?.error;
    if (res.status === 401 && path !== '/v1/session') onSignedOut();
    throw new ApiError(
      res.status,
      e?.code ?? 'http_' + res.status,
      e?.message ?? res.statusText,
      e?.details?.[0]?.field,
    );
  }
  return json as T;
}

export const get = <T>(path: string, params: Params = {}): Promise<T> => call<T>('GET', path + query(params));

export async function currentSession(): Promise<Session | null> {
  try {
    const s = await call<Session>('GET', '/v1/session');
    csrfToken = s.csrfToken;
    return s;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export async function signIn(apiKey: string): Promise<Session> {
  const s = await call<Session>('POST', '/v1/session', { apiKey });
  csrfToken = s.csrfToken;
  return s;
}

export async function signOut(): Promise<void> {
  await call<void>('DELETE', '/v1/session');
  csrfToken = '';
}
