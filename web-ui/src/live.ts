/*
 * live.ts - the live device state: reading it, and the WebSocket that pushes it.
 *
 * GET /live/extensions gives the snapshot; /api/v1/live/ws then pushes {"topic", "body"}
 * per change (API.md).  The gateway (services/gateway/live.h) first sends
 * {"topic":"live.snapshot","body":{"items":[...]}} and then "extension.state" with the
 * extension ({number, kind, name, state, online, dnd, agent, calls}) and
 * "extension.removed"; cti-host's own bus topic is "device.state" with body.device as the
 * number.  deviceUpdate() is the one place that reads a device message, and it is tolerant:
 * the number may be body.number or body.device (a string, or an object with its own
 * number), the state body.state or body.status, and a whole bus envelope ({type, body}) is
 * accepted as well as {topic, body}.  liveMessage() sorts the other topics out.
 *
 * LiveSocket keeps one WebSocket open: on a drop it reconnects after 1 s, doubling to
 * 30 s, and back to 1 s once a connection has stayed up.  It reports its state so the page
 * can say "reconnecting" and fetch a fresh snapshot after each (re)connect, since pushes
 * sent while it was away are lost.
 */
import { API_BASE } from './api';
import { isObj, type Json } from './util';

export interface DeviceUpdate {
	number: string;
	state?: string;
	dnd?: boolean;
	name?: string;
	kind?: string;
	agent?: string;
	/* The far end of the device's first call ("6025551212 SMITH JOHN"), when it has one. */
	other?: string;
	removed?: boolean;
}

function scalar(v: unknown): string | undefined {
	if (typeof v === 'string' && v !== '')
		return v;
	if (typeof v === 'number' && Number.isFinite(v))
		return String(v);
	return undefined;
}

/* One device object (a snapshot item or a push body) -> its number and what changed. */
export function deviceFromObject(o: unknown): DeviceUpdate | null {
	if (!isObj(o))
		return null;
	const nested = isObj(o.device) ? (o.device as Json) : undefined;
	const number = scalar(o.number) ?? scalar(o.device) ?? scalar(nested?.number) ??
	    scalar(nested?.device) ?? scalar(o.extension) ?? scalar(o.ext);
	if (!number)
		return null;
	const u: DeviceUpdate = { number };
	const state = scalar(o.state) ?? scalar(o.status) ?? scalar(o.device_state) ?? scalar(nested?.state);
	if (state)
		u.state = state.toLowerCase();
	const dnd = o.dnd ?? nested?.dnd;
	if (typeof dnd === 'boolean')
		u.dnd = dnd;
	const name = scalar(o.name) ?? scalar(o.description) ?? scalar(nested?.name);
	if (name !== undefined)
		u.name = name;
	const kind = scalar(o.kind) ?? scalar(nested?.kind);
	if (kind)
		u.kind = kind;
	const agent = scalar(o.agent) ?? (isObj(o.agent) ? scalar(o.agent.agent_id) : undefined);
	if (agent)
		u.agent = agent;
	if (Array.isArray(o.calls)) {
		const c = o.calls.find(isObj);
		u.other = c ? [scalar(c.other), scalar(c.other_name)].filter(Boolean).join(' ') : '';
	}
	return u;
}

/*
 * A pushed message -> the device update it carries, or null for any other topic.
 * Topics other than device.* / extension.* are ignored (call.* bodies also name a
 * device, but not its state).
 */
export function deviceUpdate(msg: unknown): DeviceUpdate | null {
	let m = msg;
	if (typeof m === 'string') {
		try {
			m = JSON.parse(m);
		} catch {
			return null;
		}
	}
	if (!isObj(m))
		return null;
	const topic = scalar(m.topic) ?? scalar(m.type) ?? '';
	if (topic && !/^(device|extension)s?[._]/.test(topic))
		return null;
	const body = isObj(m.body) ? m.body : isObj(m.data) ? m.data : m;
	const u = deviceFromObject(body);
	if (u && /\.removed$/.test(topic))
		u.removed = true;
	return u;
}

export type LiveMessage =
	| { kind: 'device'; update: DeviceUpdate }
	| { kind: 'snapshot'; items: unknown[] }
	| { kind: 'link'; state: string };

/* Any pushed message -> what the live view does with it, or null to ignore it. */
export function liveMessage(msg: unknown): LiveMessage | null {
	if (isObj(msg)) {
		const topic = scalar(msg.topic) ?? scalar(msg.type) ?? '';
		if (topic === 'live.snapshot') {
			const b = msg.body;
			const items = Array.isArray(b) ? b : isObj(b) && Array.isArray(b.items) ? b.items : [];
			return { kind: 'snapshot', items };
		}
		if (topic === 'link.state')
			return { kind: 'link', state: (isObj(msg.body) ? scalar(msg.body.state) : undefined) ?? 'unknown' };
	}
	const update = deviceUpdate(msg);
	return update ? { kind: 'device', update } : null;
}

/* What a state is called on screen, and its colour class; never colour alone. */
const LABELS: Record<string, string> = {
	idle: 'Idle',
	ringing: 'Ringing',
	alerting: 'Ringing',
	connected: 'Connected',
	busy: 'Busy',
	talking: 'Connected',
	held: 'On hold',
	hold: 'On hold',
	dialling: 'Dialling',
	dialing: 'Dialling',
	queued: 'Queued',
	failed: 'Failed',
	dnd: 'Do not disturb',
	offline: 'Offline',
	unknown: 'Unknown',
};

const CLASSES: Record<string, string> = {
	idle: 'idle', ringing: 'ringing', alerting: 'ringing', connected: 'busy', busy: 'busy',
	talking: 'busy', held: 'held', hold: 'held', dialling: 'dialling', dialing: 'dialling',
	queued: 'ringing', failed: 'failed', dnd: 'dnd', offline: 'offline',
};

/* The state a tile shows: DND on an idle phone is shown as "dnd". */
export function effectiveState(state: string | undefined, dnd: boolean | undefined): string {
	const s = (state || 'unknown').toLowerCase();
	return dnd && s === 'idle' ? 'dnd' : s;
}

export function stateLabel(s: string): string {
	return LABELS[s] ?? s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, ' ');
}

export function stateClass(s: string): string {
	return CLASSES[s] ?? 'other';
}

export type SocketState = 'connecting' | 'open' | 'closed';

export function liveSocketUrl(): string {
	const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
	return `${proto}//${location.host}${API_BASE}/live/ws`;
}

export class LiveSocket {
	private ws: WebSocket | null = null;
	private timer: ReturnType<typeof setTimeout> | undefined;
	private stableTimer: ReturnType<typeof setTimeout> | undefined;
	private delay = 1000;
	private stopped = false;

	constructor(
		private readonly onMessage: (data: unknown) => void,
		private readonly onState: (s: SocketState, retryInMs?: number) => void,
		private readonly url: string = liveSocketUrl(),
	) {}

	start(): void {
		this.stopped = false;
		this.connect();
	}

	stop(): void {
		this.stopped = true;
		clearTimeout(this.timer);
		clearTimeout(this.stableTimer);
		if (this.ws) {
			this.ws.onclose = null;
			this.ws.close();
			this.ws = null;
		}
	}

	private connect(): void {
		this.onState('connecting');
		let ws: WebSocket;
		try {
			ws = new WebSocket(this.url);
		} catch {
			this.retry();
			return;
		}
		this.ws = ws;
		ws.onopen = () => {
			this.onState('open');
			// Reset the backoff only once the connection has lasted a little.
			this.stableTimer = setTimeout(() => { this.delay = 1000; }, 5000);
		};
		ws.onmessage = (ev) => {
			let data: unknown = ev.data;
			if (typeof data === 'string') {
				try {
					data = JSON.parse(data);
				} catch {
					return;
				}
			}
			if (Array.isArray(data))
				data.forEach((d) => this.onMessage(d));
			else
				this.onMessage(data);
		};
		ws.onclose = () => {
			clearTimeout(this.stableTimer);
			this.ws = null;
			this.retry();
		};
		ws.onerror = () => {
			/* onclose follows and schedules the retry */
		};
	}

	private retry(): void {
		if (this.stopped)
			return;
		const wait = this.delay;
		this.delay = Math.min(this.delay * 2, 30000);
		this.onState('closed', wait);
		this.timer = setTimeout(() => this.connect(), wait);
	}
}
