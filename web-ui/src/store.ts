/*
 * store.ts - a tiny observable value and the hook that renders from it.
 *
 * The session (session.ts), the alert region (notify.ts) and the route (router.ts) are
 * module-level state that several components read.  A store holds one immutable value;
 * set() replaces it and tells every subscriber.  useStore() re-renders a component when
 * the value changes.  Preact's useSyncExternalStore lives in preact/compat, which we do
 * not pull in for this alone.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Store<T> {
	get(): T;
	set(value: T): void;
	subscribe(fn: (value: T) => void): () => void;
}

export function createStore<T>(initial: T): Store<T> {
	let value = initial;
	const subs = new Set<(value: T) => void>();
	return {
		get: () => value,
		set(next: T) {
			if (Object.is(next, value))
				return;
			value = next;
			for (const fn of [...subs])
				fn(value);
		},
		subscribe(fn) {
			subs.add(fn);
			return () => subs.delete(fn);
		},
	};
}

export function useStore<T>(store: Store<T>): T {
	const [value, setValue] = useState(store.get());
	useEffect(() => {
		// The value may have changed between the render and this effect.
		setValue(store.get());
		return store.subscribe(setValue);
	}, [store]);
	return value;
}
