/*
 * Widgets.tsx - small shared pieces: the pager of list routes, a two-step delete button,
 * the traffic light with its words, a page heading, and the "loading / empty" lines.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/*
 * The page's h1 (#page-title) names the page in document.title, and can take focus
 * (tabIndex -1: not a Tab stop): the shell moves focus here after a route change.
 */
export function PageHeader(p: { title: string; children?: ComponentChildren }) {
	useEffect(() => {
		document.title = p.title + ' – Hookswitch';
	}, [p.title]);
	return (
		<div class="page-header">
			<h1 id="page-title" tabIndex={-1}>{p.title}</h1>
			{p.children && <div class="page-tools">{p.children}</div>}
		</div>
	);
}

/* offset/limit paging: "Previous" / "Next" and "51–100 of 1,234". */
export function Pager(p: {
	idPrefix: string;
	offset: number;
	limit: number;
	total: number | undefined;
	count: number;
	onChange: (offset: number) => void;
}) {
	const from = p.count ? p.offset + 1 : 0;
	const to = p.offset + p.count;
	const hasNext = p.total !== undefined ? to < p.total : p.count >= p.limit;
	return (
		<nav class="pager" aria-label="Pages">
			<button type="button" id={p.idPrefix + '-prev'} disabled={p.offset <= 0}
				onClick={() => p.onChange(Math.max(0, p.offset - p.limit))}>
				‹ Previous
			</button>
			<span class="pager-text" id={p.idPrefix + '-range'} aria-live="polite">
				{p.count ? `${from.toLocaleString()}–${to.toLocaleString()}` : 'No rows'}
				{p.total !== undefined && ` of ${p.total.toLocaleString()}`}
			</span>
			<button type="button" id={p.idPrefix + '-next'} disabled={!hasNext}
				onClick={() => p.onChange(p.offset + p.limit)}>
				Next ›
			</button>
		</nav>
	);
}

/*
 * Delete in two steps without a modal: the first press asks, "Confirm" acts, "Cancel" or
 * Escape goes back.  The confirm button gets the focus so the keyboard flow stays short.
 */
export function ConfirmButton(p: {
	id: string;
	label: string;
	confirmLabel?: string;
	question?: string;
	onConfirm: () => void;
	disabled?: boolean;
	title?: string;
	class?: string;
}) {
	const [asking, setAsking] = useState(false);
	const confirmRef = useRef<HTMLButtonElement>(null);
	useEffect(() => {
		if (asking)
			confirmRef.current?.focus();
	}, [asking]);
	if (!asking)
		return (
			<button type="button" id={p.id} class={p.class ?? 'danger'} disabled={p.disabled} title={p.title}
				onClick={() => setAsking(true)}>
				{p.label}
			</button>
		);
	return (
		<span class="confirm" role="group" aria-label={p.question ?? 'Confirm'}
			onKeyDown={(e) => { if (e.key === 'Escape') setAsking(false); }}>
			{p.question && <span class="confirm-q">{p.question}</span>}
			<button type="button" id={p.id + '-confirm'} class="danger" ref={confirmRef}
				onClick={() => { setAsking(false); p.onConfirm(); }}>
				{p.confirmLabel ?? 'Confirm'}
			</button>
			<button type="button" id={p.id + '-cancel'} onClick={() => setAsking(false)}>Cancel</button>
		</span>
	);
}

export type LightColour = 'green' | 'amber' | 'red' | 'unlit';

const GREEN = /^(ok|up|running|ready|connected|healthy|green|online|active|good|link_up|linked|started)$/;
const AMBER = /^(starting|stopping|restarting|degraded|warning|warn|connecting|backoff|amber|yellow|sync|syncing|login|logging_in|pending|low|spawned|reconnecting)$/;
const RED = /^(stopped|failed|failure|down|error|dead|disconnected|critical|red|offline|crashed|fatal|lost|link_down|unreachable|exited|full)$/;

export function lightOf(state: string): LightColour {
	const s = state.toLowerCase().replace(/[\s-]+/g, '_');
	if (GREEN.test(s))
		return 'green';
	if (AMBER.test(s))
		return 'amber';
	if (RED.test(s))
		return 'red';
	return 'unlit';
}

const LIGHT_WORDS: Record<LightColour, string> = {
	green: 'OK',
	amber: 'Warning',
	red: 'Fault',
	unlit: 'Not available',
};

export function worst(lights: LightColour[]): LightColour {
	if (lights.includes('red'))
		return 'red';
	if (lights.includes('amber'))
		return 'amber';
	if (lights.includes('green'))
		return 'green';
	return 'unlit';
}

/* A coloured dot plus words: the colour is never the only cue. */
export function Light(p: { colour: LightColour; state?: string }) {
	const words = LIGHT_WORDS[p.colour];
	const detail = p.state && p.state.toLowerCase() !== words.toLowerCase() ? p.state : '';
	return (
		<span class={'light light-' + p.colour} data-light={p.colour}>
			<span class="dot" aria-hidden="true" />
			<span class="light-text">{words}{detail && <span class="light-detail"> ({detail})</span>}</span>
		</span>
	);
}

export function Loading({ what }: { what?: string }) {
	return <p class="muted loading" aria-live="polite">Loading{what ? ' ' + what : ''}…</p>;
}

export function Empty({ children }: { children: ComponentChildren }) {
	return <p class="muted empty-line">{children}</p>;
}
