/** Every request the console makes goes through here: the public API, with the session cookie. */

export interface Session {
  tenantId: string;
  keyId: string;
  role: string;
  expiresAt: string;
  csrfToken: string;
}

/** One problem of a refused request: the field at fault, and for batches and files the index (a CSV's line). */
export interface Problem {
  field?: string;
  index?: number;
  code?: string;
  reason?: string;
}
interface ErrorBody {
  code: string;
  message: string;
  details?: Problem[];
}

/** An error the server answered, as its envelope tells it (docs/errors.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details: Problem[] = [],
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
  const json = (await res.json().catch(() => null)) as { error?: ErrorBody } | null;
  if (!res.ok) {
    const e = json?.error;
    if (res.status === 401 && path !== '/v1/session') onSignedOut();
    throw new ApiError(
      res.status,
      e?.code ?? 'http_' + res.status,
      e?.message ?? res.statusText,
      e?.details?.[0]?.field,
      e?.details,
    );
  }
  return json as T;
}

export const get = <T>(path: string, params: Params = {}): Promise<T> => call<T>('GET', path + query(params));
export const post = <T>(path: string, body: unknown = {}): Promise<T> => call<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown): Promise<T> => call<T>('PATCH', path, body);
export const put = <T>(path: string, body: unknown = {}): Promise<T> => call<T>('PUT', path, body);
export const del = <T>(path: string): Promise<T> => call<T>('DELETE', path);

/** A path segment from a value a person typed (an event name, a media id). */
export const seg = (s: string): string => encodeURIComponent(s);

/**
 * Sends a file's text with its upload progress (fetch reports none): resolves with the
 * answer, or rejects with the server's error, field and all problems.
 */
export function upload<T>(
  method: 'PUT' | 'POST',
  path: string,
  body: Blob,
  contentType: string,
  onProgress: (fraction: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.setRequestHeader('content-type', contentType);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload did not reach the server.'));
    xhr.onload = () => {
      const json = (() => {
        try {
          return JSON.parse(xhr.responseText) as unknown;
        } catch {
          return null;
        }
      })();
      if (xhr.status >= 200 && xhr.status < 300) return resolve(json as T);
      const e = (json as { error?: ErrorBody } | null)?.error;
      reject(
        new ApiError(
          xhr.status,
          e?.code ?? `http_${xhr.status}`,
          e?.message ?? xhr.statusText,
          e?.details?.[0]?.field,
          e?.details,
        ),
      );
    };
    xhr.send(body);
  });
}

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
