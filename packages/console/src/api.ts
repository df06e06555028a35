// The one way the console talks to the API: same-origin fetch with the session cookie, the CSRF
// token on every state-changing request, errors as ApiError with the server's stable code. A 401
// anywhere (but the sign-in itself) tells the session to go back to sign-in.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: Array<{ path: Array<string | number>; message: string }>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
const unauthenticated = new Set<() => void>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function csrfHeader(): Record<string, string> {
  return csrfToken === null ? {} : { 'x-csrf-token': csrfToken };
}

/** Called on every 401; returns the unsubscribe function. */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticated.add(listener);
  return () => unauthenticated.delete(listener);
}

export function signalUnauthenticated(): void {
  for (const listener of unauthenticated) listener();
}

/** A query string of the defined, non-empty values (`?a=1&b=x`, or '' when none). */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export function errorFrom(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string; issues?: ApiError['issues'] } } | null)
    ?.error;
  return new ApiError(
    status,
    error?.code ?? `HTTP_${status}`,
    error?.message ?? `HTTP ${status}`,
    error?.issues,
  );
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') Object.assign(headers, csrfHeader());
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && path !== '/auth/login') signalUnauthenticated();
    throw errorFrom(response.status, data);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  /** POST with a JSON body (always one: fastify refuses an empty JSON body). */
  post: <T>(path: string, body: object = {}) => request<T>('POST', path, body),
};
