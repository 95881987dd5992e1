/*
 * notify.ts - what the alert region (components/Alerts.tsx) shows.
 *
 * One error slot, announced through role="alert", and one confirmation slot, announced
 * through role="status".  A new message replaces the old one, so an auto-refresh that keeps
 * failing does not pile up copies.  The route change clears both (main.tsx).
 */
import { createStore } from './store';

export interface Notice {
	kind: 'error' | 'ok';
	text: string;
	seq: number;
}

export const errorNotice = createStore<Notice | null>(null);
export const okNotice = createStore<Notice | null>(null);

let seq = 0;
let okTimer: ReturnType<typeof setTimeout> | undefined;

export function notifyError(text: string): void {
	const cur = errorNotice.get();
	if (cur && cur.text === text)
		return;
	errorNotice.set({ kind: 'error', text, seq: ++seq });
}

/* A confirmation fades after a while; an error stays until dismissed or replaced. */
export function notifyOk(text: string): void {
	okNotice.set({ kind: 'ok', text, seq: ++seq });
	if (okTimer)
		clearTimeout(okTimer);
	okTimer = setTimeout(() => okNotice.set(null), 6000);
}

export function clearNotices(): void {
	errorNotice.set(null);
	okNotice.set(null);
}

export function clearError(): void {
	errorNotice.set(null);
}
