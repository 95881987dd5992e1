/*
 * router.ts - hash routing: "#/calls?offset=50" -> { path: "/calls", params }.
 *
 * The hash keeps the server side simple (it serves index.html and the assets, nothing
 * else) and survives a reload.  navigate() pushes a history entry; replace() does not.
 */
import { createStore, useStore } from './store';

export interface Route {
	path: string;
	params: URLSearchParams;
}

function parse(hash: string): Route {
	const h = hash.replace(/^#/, '');
	const q = h.indexOf('?');
	const path = (q < 0 ? h : h.slice(0, q)) || '/';
	return { path: path.startsWith('/') ? path : '/' + path, params: new URLSearchParams(q < 0 ? '' : h.slice(q + 1)) };
}

export const routeStore = createStore<Route>(parse(location.hash));

window.addEventListener('hashchange', () => routeStore.set(parse(location.hash)));

export function useRoute(): Route {
	return useStore(routeStore);
}

export function navigate(to: string): void {
	const hash = '#' + to;
	if (location.hash === hash)
		routeStore.set(parse(hash));
	else
		location.hash = hash;
}

export function replace(to: string): void {
	history.replaceState(history.state, '', '#' + to);
	routeStore.set(parse('#' + to));
}
