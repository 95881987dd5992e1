/*
 * util.ts - small formatting and reading helpers shared by the pages.
 *
 * Several answers of the gateway are not spelled out field by field in API.md (system
 * status, live state, calls, audit).  The readers here (str, num, pick) take the first of
 * a few plausible field names, so a page keeps working when a name differs slightly.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export type Json = Record<string, unknown>;

export function isObj(v: unknown): v is Json {
	return !!v && typeof v === 'object' && !Array.isArray(v);
}

/* The first of keys that holds a non-empty value, as a value. */
export function pick(o: unknown, ...keys: string[]): unknown {
	if (!isObj(o))
		return undefined;
	for (const k of keys) {
		const v = o[k];
		if (v !== undefined && v !== null && v !== '')
			return v;
	}
	return undefined;
}

export function str(o: unknown, ...keys: string[]): string {
	const v = pick(o, ...keys);
	return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

export function num(o: unknown, ...keys: string[]): number | undefined {
	const v = pick(o, ...keys);
	const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
	return Number.isFinite(n) ? n : undefined;
}

export function formatTime(ts: unknown): string {
	if (typeof ts !== 'string' && typeof ts !== 'number')
		return '';
	const d = new Date(ts);
	if (Number.isNaN(d.getTime()))
		return String(ts);
	return d.toLocaleString(undefined, {
		year: 'numeric', month: '2-digit', day: '2-digit',
		hour: '2-digit', minute: '2-digit', second: '2-digit',
	});
}

/* Milliseconds -> "m:ss" or "h:mm:ss". */
export function formatDuration(ms: number | undefined): string {
	if (ms === undefined || !Number.isFinite(ms))
		return '';
	const s = Math.round(ms / 1000);
	const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
	const mm = h ? String(m).padStart(2, '0') : String(m);
	return (h ? h + ':' : '') + mm + ':' + String(sec).padStart(2, '0');
}

export function formatBytes(n: number | undefined): string {
	if (n === undefined || !Number.isFinite(n))
		return '';
	const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
	let i = 0, v = n;
	while (v >= 1024 && i < units.length - 1) {
		v /= 1024;
		i++;
	}
	return (i ? v.toFixed(1) : String(v)) + ' ' + units[i];
}

/* "1001, 1002 ,,1003" -> ["1001", "1002", "1003"] */
export function splitList(s: string): string[] {
	return s.split(/[,\s;]+/).map((x) => x.trim()).filter(Boolean);
}

/* datetime-local value (local time) -> ISO 8601 UTC, or '' */
export function localToIso(v: string): string {
	if (!v)
		return '';
	const d = new Date(v);
	return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/* Permission or id -> a safe id fragment ("general.web_access" -> "general-web_access"). */
export function idPart(s: string | number): string {
	return String(s).replace(/[^A-Za-z0-9_-]/g, '-');
}

export interface Async<T> {
	data: T | undefined;
	error: ApiError | undefined;
	loading: boolean;
	reload: () => void;
	setData: (d: T) => void;
}

/*
 * Run a loader when deps change and keep its answer.  A late answer of an earlier run
 * is dropped.  Errors are already in the alert region (api.ts); they are kept here too
 * for pages that show them in place.
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
	const [data, setData] = useState<T | undefined>(undefined);
	const [error, setError] = useState<ApiError | undefined>(undefined);
	const [loading, setLoading] = useState(true);
	const [tick, setTick] = useState(0);
	const run = useRef(0);

	useEffect(() => {
		const me = ++run.current;
		setLoading(true);
		load().then((d) => {
			if (me !== run.current)
				return;
			setData(d);
			setError(undefined);
			setLoading(false);
		}, (e: unknown) => {
			if (me !== run.current)
				return;
			setError(e instanceof ApiError ? e : new ApiError(0, 'internal', String(e)));
			setLoading(false);
		});
	}, [...deps, tick]);

	const reload = useCallback(() => setTick((t) => t + 1), []);
	return { data, error, loading, reload, setData };
}

/* Run an action, with a busy flag; the error is kept for the form (already announced). */
export function useAction(): [boolean, unknown, <R>(fn: () => Promise<R>) => Promise<R | undefined>, () => void] {
	const [busy, setBusy] = useState(false);
	const [err, setErr] = useState<unknown>(undefined);
	const run = useCallback(async <R,>(fn: () => Promise<R>): Promise<R | undefined> => {
		setBusy(true);
		setErr(undefined);
		try {
			return await fn();
		} catch (e) {
			setErr(e);
			return undefined;
		} finally {
			setBusy(false);
		}
	}, []);
	const clear = useCallback(() => setErr(undefined), []);
	return [busy, err, run, clear];
}

/* A copy of s with v added (on) or taken out: the toggle of a checkbox group. */
export function toggled<V>(s: ReadonlySet<V>, v: V, on: boolean): Set<V> {
	const n = new Set(s);
	if (on)
		n.add(v);
	else
		n.delete(v);
	return n;
}
