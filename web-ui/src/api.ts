/*
 * api.ts - the one way the UI talks to the gateway (services/gateway/API.md).
 *
 * request() wraps fetch: same-origin credentials (the hs_session cookie), JSON bodies,
 * and the X-CSRF-Token header on every POST/PUT/PATCH/DELETE, taken from the session
 * (session.ts registers the getter through configureApi, so this module does not import
 * the session and the two stay free of a cycle).
 *
 * Every failure becomes an ApiError carrying the contract's error object (code, message,
 * field, retry_after).  Central reactions:
 *   401                              -> hooks.onUnauthenticated(): back to the login screen
 *   403 password_change_required     -> hooks.onPasswordChangeRequired(): the change screen
 *   anything else                    -> its message in the alert region (notify.ts)
 * A caller that shows the error itself (the login form, the password forms) passes
 * quiet: true; then only the 401/403 reactions above still happen, and not even those
 * with noAuthHooks: true (the login request itself answers 401 for a wrong password).
 */
import { notifyError } from './notify';

export const API_BASE = '/api/v1';

export class ApiError extends Error {
	readonly status: number;
	readonly code: string;
	readonly field?: string;
	readonly retryAfter?: number;

	constructor(status: number, code: string, message: string, field?: string, retryAfter?: number) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.field = field;
		this.retryAfter = retryAfter;
	}
}

/* The paged answer of every list route. */
export interface Page<T> {
	items: T[];
	total: number;
	offset: number;
	limit: number;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
	query?: Query;
	/* Do not put the error in the alert region: the caller shows it. */
	quiet?: boolean;
	/* Do not react to 401 / password_change_required (log-in and session probe). */
	noAuthHooks?: boolean;
	signal?: AbortSignal;
}

interface Hooks {
	csrfToken: () => string | null;
	onUnauthenticated: () => void;
	onPasswordChangeRequired: () => void;
}

const hooks: Hooks = {
	csrfToken: () => null,
	onUnauthenticated: () => undefined,
	onPasswordChangeRequired: () => undefined,
};

export function configureApi(h: Partial<Hooks>): void {
	Object.assign(hooks, h);
}

export function buildUrl(path: string, query?: Query): string {
	let url = API_BASE + path;
	if (query) {
		const qs = new URLSearchParams();
		for (const [k, v] of Object.entries(query)) {
			if (v === undefined || v === null || v === '')
				continue;
			qs.set(k, String(v));
		}
		const s = qs.toString();
		if (s)
			url += (url.includes('?') ? '&' : '?') + s;
	}
	return url;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/* Turn a failed response into an ApiError, tolerating bodies that are not the contract's. */
async function errorFrom(res: Response): Promise<ApiError> {
	let code = 'http_' + res.status;
	let message = res.statusText || 'request failed';
	let field: string | undefined;
	let retry: number | undefined;
	try {
		const body = await res.json();
		const e = body && typeof body === 'object' ? (body.error ?? body) : null;
		if (e && typeof e === 'object') {
			if (typeof e.code === 'string')
				code = e.code;
			if (typeof e.message === 'string' && e.message)
				message = e.message;
			if (typeof e.field === 'string')
				field = e.field;
			const ra = e.retry_after ?? body.retry_after;
			if (typeof ra === 'number')
				retry = ra;
		}
	} catch {
		/* not JSON: keep the status text */
	}
	if (retry === undefined) {
		const h = Number(res.headers.get('Retry-After'));
		if (Number.isFinite(h) && h > 0)
			retry = h;
	}
	return new ApiError(res.status, code, message, field, retry);
}

export async function request<T = unknown>(method: string, path: string, body?: unknown,
    opts: RequestOptions = {}): Promise<T> {
	const headers: Record<string, string> = { Accept: 'application/json' };
	const init: RequestInit = { method, headers, credentials: 'same-origin', signal: opts.signal };
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	if (UNSAFE.has(method)) {
		const csrf = hooks.csrfToken();
		if (csrf)
			headers['X-CSRF-Token'] = csrf;
	}

	let res: Response;
	try {
		res = await fetch(buildUrl(path, opts.query), init);
	} catch (e) {
		if (e instanceof DOMException && e.name === 'AbortError')
			throw e;
		const err = new ApiError(0, 'network', 'Cannot reach the server. Check the connection and try again.');
		if (!opts.quiet)
			notifyError(err.message);
		throw err;
	}

	if (res.ok) {
		if (res.status === 204 || res.status === 202)
			return null as T;
		const type = res.headers.get('Content-Type') ?? '';
		if (!type.includes('json'))
			return (await res.text()) as unknown as T;
		return (await res.json()) as T;
	}

	const err = await errorFrom(res);
	if (!opts.noAuthHooks) {
		if (res.status === 401) {
			hooks.onUnauthenticated();
			throw err;
		}
		if (err.code === 'password_change_required') {
			hooks.onPasswordChangeRequired();
			throw err;
		}
	}
	if (!opts.quiet)
		notifyError(err.message);
	throw err;
}

export const api = {
	get: <T = unknown>(path: string, query?: Query, opts?: RequestOptions) =>
		request<T>('GET', path, undefined, { ...opts, query }),
	post: <T = unknown>(path: string, body?: unknown, opts?: RequestOptions) =>
		request<T>('POST', path, body ?? {}, opts),
	put: <T = unknown>(path: string, body: unknown, opts?: RequestOptions) =>
		request<T>('PUT', path, body, opts),
	patch: <T = unknown>(path: string, body: unknown, opts?: RequestOptions) =>
		request<T>('PATCH', path, body, opts),
	del: <T = unknown>(path: string, query?: Query, opts?: RequestOptions) =>
		request<T>('DELETE', path, undefined, { ...opts, query }),
};

/*
 * The items of a list answer.  The contract says list routes answer a Page; a few routes
 * (live state, permissions) may answer a bare array.  Both are accepted.
 */
export function itemsOf<T>(answer: unknown): T[] {
	if (Array.isArray(answer))
		return answer as T[];
	if (answer && typeof answer === 'object' && Array.isArray((answer as { items?: unknown }).items))
		return (answer as { items: T[] }).items;
	return [];
}

/* GET a whole list (up to the contract's maximum page of 1000). */
export async function getAll<T>(path: string, query?: Query, opts?: RequestOptions): Promise<T[]> {
	return itemsOf<T>(await api.get(path, { limit: 1000, ...query }, opts));
}

/* The field message for a form input, when the API blamed that input. */
export function fieldError(err: unknown, field: string): string | undefined {
	return err instanceof ApiError && err.field === field ? err.message : undefined;
}
