/*
 * session.ts - who is logged in, their permissions, and the CSRF token.
 *
 * The session itself is the gateway's HttpOnly cookie; this module keeps what GET/POST
 * /session answer ({user, csrf_token}) and moves between three phases:
 *   loading    -> the first GET /session is out
 *   anonymous  -> no session (never had one, logged out, or the gateway answered 401)
 *   active     -> a user; when user.must_change_password the app shows only the
 *                 forced password change (API.md: every other route is refused)
 * api.ts calls back here on 401 and on 403 password_change_required.
 */
import { api, configureApi } from './api';
import { createStore, useStore } from './store';

export interface User {
	id: number;
	username: string;
	display_name?: string;
	first_name?: string;
	last_name?: string;
	email?: string | null;
	business_unit_id?: number;
	role_id?: number | null;
	role?: string | null;
	profile?: string | null;
	access_scope?: string | null;
	permissions: string[];
	must_change_password: boolean;
}

interface SessionAnswer {
	user: User;
	csrf_token: string;
}

export type Session =
	| { phase: 'loading' }
	| { phase: 'anonymous'; expired?: boolean }
	| { phase: 'active'; user: User; csrf: string };

export const sessionStore = createStore<Session>({ phase: 'loading' });

export function useSession(): Session {
	return useStore(sessionStore);
}

function normalise(a: SessionAnswer): Session {
	const u = a.user;
	return {
		phase: 'active',
		csrf: a.csrf_token,
		user: {
			...u,
			permissions: Array.isArray(u.permissions) ? u.permissions : [],
			must_change_password: !!u.must_change_password,
		},
	};
}

configureApi({
	csrfToken() {
		const s = sessionStore.get();
		return s.phase === 'active' ? s.csrf : null;
	},
	onUnauthenticated() {
		// Several requests of a page may fail at once: the first one decides.
		if (sessionStore.get().phase === 'active')
			sessionStore.set({ phase: 'anonymous', expired: true });
	},
	onPasswordChangeRequired() {
		const s = sessionStore.get();
		if (s.phase === 'active' && !s.user.must_change_password)
			sessionStore.set({ ...s, user: { ...s.user, must_change_password: true } });
	},
});

export function currentUser(): User | null {
	const s = sessionStore.get();
	return s.phase === 'active' ? s.user : null;
}

export function hasPermission(user: User | null, name: string): boolean {
	return !!user && user.permissions.includes(name);
}

export function displayName(u: User): string {
	const full = [u.first_name, u.last_name].filter(Boolean).join(' ');
	return u.display_name || full || u.username;
}

/* Ask the gateway who we are; a 401 (or no gateway) means the login screen. */
export async function loadSession(): Promise<void> {
	try {
		const a = await api.get<SessionAnswer>('/session', undefined, { quiet: true, noAuthHooks: true });
		sessionStore.set(normalise(a));
	} catch {
		sessionStore.set({ phase: 'anonymous' });
	}
}

/* Throws the ApiError (invalid_credentials, account_locked...) for the form to show. */
export async function login(username: string, password: string): Promise<void> {
	const a = await api.post<SessionAnswer>('/session', { username, password }, { quiet: true, noAuthHooks: true });
	sessionStore.set(normalise(a));
}

export async function logout(): Promise<void> {
	try {
		await api.del('/session', undefined, { quiet: true, noAuthHooks: true });
	} finally {
		sessionStore.set({ phase: 'anonymous' });
	}
}

/* POST /session/password, then GET /session again: must_change_password is now false. */
export async function changeOwnPassword(current: string, next: string): Promise<void> {
	await api.post('/session/password', { current_password: current, new_password: next },
	    { quiet: true, noAuthHooks: true });
	await loadSession();
}
