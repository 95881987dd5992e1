/*
 * Status.tsx - System Status: one traffic light per service (green / amber / red / unlit,
 * always with words), the PBX link, free space per drive and the alerts with their
 * Acknowledge button.  GET /system/status is asked again 5 s after each answer; the
 * next request is only sent once the previous one is done.
 *
 * API.md names the parts but not their fields.  The gateway (services/gateway/site.c)
 * answers {services: [the watchdog's: name, state (down|starting|up|backoff|stopping),
 * wanted, restarts, uptime_s, since, last_exit], watchdog: {reachable, reason}, pbx_link:
 * cti-host's link.state body or null, disks: [{path, used_for, total_bytes, free_bytes,
 * free_pct, low}], alerts: {unacknowledged, active, latest}}.  readStatus() reads that and
 * takes other usual spellings too (and a per-server layout {servers: [{name, services,
 * disks}]}).  The alert table is GET /alerts (newest first), fetched with each refresh.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, itemsOf } from '../api';
import { Empty, Light, lightOf, Loading, PageHeader, worst, type LightColour } from '../components/Widgets';
import { notifyOk } from '../notify';
import { formatBytes, formatTime, idPart, isObj, num, pick, str, type Json } from '../util';

const REFRESH_MS = 5000;

interface ServiceRow {
	key: string;
	name: string;
	server: string;
	state: string;
	light: LightColour;
	detail: string;
	since: string;
	restarts?: number;
}

interface DiskRow {
	usedFor: string;
	lowFlag?: boolean;
	key: string;
	name: string;
	server: string;
	total?: number;
	free?: number;
	usedPct?: number;
	lowPct?: number;
}

interface PbxLink {
	state: string;
	light: LightColour;
	detail: string;
	since: string;
}

interface AlertRow {
	id: string;
	ts: string;
	severity: string;
	source: string;
	text: string;
	acknowledged: boolean;
	ackBy: string;
	cleared: boolean;
}

interface StatusView {
	services: ServiceRow[];
	pbx: PbxLink | null;
	disks: DiskRow[];
	alerts: AlertRow[] | null;
	unacknowledged?: number;
	watchdogDown: string | null;
	overall: LightColour;
}

/* A list that may be an array or an object keyed by name. */
function entries(v: unknown): Array<[string, unknown]> {
	if (Array.isArray(v))
		return v.map((x, i) => [String(i), x]);
	if (isObj(v))
		return Object.entries(v);
	return [];
}

function serviceState(s: Json): string {
	const st = str(s, 'state', 'status', 'health');
	if (st)
		return st;
	if (typeof s.ready === 'boolean')
		return s.ready ? 'ready' : 'starting';
	if (typeof s.running === 'boolean')
		return s.running ? 'running' : 'stopped';
	if (typeof s.ok === 'boolean')
		return s.ok ? 'ok' : 'error';
	return 'unknown';
}

function readServices(v: unknown, server: string, out: ServiceRow[]) {
	for (const [k, raw] of entries(v)) {
		const s: Json = isObj(raw) ? raw : { state: raw };
		const name = str(s, 'name', 'service', 'id') || k;
		const state = serviceState(s);
		// A service the server is not meant to run is unlit, not red.
		const unwanted = s.wanted === false && lightOf(state) !== 'green';
		out.push({
			key: server + '/' + name,
			name,
			server: str(s, 'server_name', 'server', 'server_id', 'host') || server,
			state,
			light: unwanted ? 'unlit' : lightOf(str(s, 'light', 'colour', 'color') || state),
			detail: [unwanted ? 'not run here' : '', str(s, 'detail', 'message', 'reason', 'error', 'last_exit'),
				num(s, 'backoff_s') ? `retry in ${num(s, 'backoff_s')} s` : ''].filter(Boolean).join(' · '),
			since: formatTime(pick(s, 'since', 'started_at', 'state_since', 'changed_at')),
			restarts: num(s, 'restarts', 'restart_count'),
		});
	}
}

function readDisks(v: unknown, server: string, out: DiskRow[]) {
	for (const [k, raw] of entries(v)) {
		if (!isObj(raw))
			continue;
		const name = str(raw, 'path', 'mount', 'mountpoint', 'name', 'drive', 'label') || k;
		const total = num(raw, 'total_bytes', 'total', 'size_bytes', 'size');
		let free = num(raw, 'free_bytes', 'free', 'available_bytes', 'avail_bytes', 'available');
		const used = num(raw, 'used_bytes', 'used');
		if (free === undefined && total !== undefined && used !== undefined)
			free = total - used;
		let usedPct = num(raw, 'used_pct', 'used_percent', 'percent_used', 'use_pct');
		if (usedPct === undefined) {
			const freePct = num(raw, 'free_pct', 'free_percent');
			if (freePct !== undefined)
				usedPct = 100 - freePct;
			else if (total && free !== undefined)
				usedPct = ((total - free) / total) * 100;
		}
		out.push({
			key: server + '/' + name,
			name,
			usedFor: Array.isArray(raw.used_for) ? raw.used_for.join(', ') : str(raw, 'used_for'),
			lowFlag: typeof raw.low === 'boolean' ? raw.low : undefined,
			server: str(raw, 'server_name', 'server', 'server_id') || server,
			total, free, usedPct,
			lowPct: num(raw, 'threshold_pct', 'warn_free_pct', 'threshold'),
		});
	}
}

function readPbx(v: unknown): PbxLink | null {
	if (v === undefined || v === null)
		return null;
	if (typeof v === 'string' || typeof v === 'boolean') {
		const state = typeof v === 'boolean' ? (v ? 'connected' : 'disconnected') : v;
		return { state, light: lightOf(state), detail: '', since: '' };
	}
	if (!isObj(v))
		return null;
	let state = str(v, 'state', 'status', 'link');
	if (!state && typeof v.connected === 'boolean')
		state = v.connected ? 'connected' : 'disconnected';
	if (!state && typeof v.up === 'boolean')
		state = v.up ? 'up' : 'down';
	state ||= 'unknown';
	const host = str(v, 'host', 'address');
	const port = str(v, 'port');
	const parts = [host && (port ? `${host}:${port}` : host), str(v, 'name'), str(v, 'software_version', 'version'),
		str(v, 'detail', 'message', 'reason', 'error')].filter(Boolean);
	return {
		state,
		light: lightOf(state),
		detail: parts.join(' · '),
		since: formatTime(pick(v, 'since', 'state_since', 'connected_at', 'changed_at')),
	};
}

export function readAlerts(v: unknown): AlertRow[] {
	return itemsOf<unknown>(v).filter(isObj).map((a, i) => ({
		id: str(a, 'id') || String(i),
		ts: formatTime(pick(a, 'ts', 'time', 'raised_at', 'created_at')),
		severity: str(a, 'severity', 'level') || 'info',
		source: str(a, 'source', 'service'),
		text: str(a, 'text', 'message', 'description', 'code'),
		acknowledged: !!pick(a, 'acknowledged_at') || a.acknowledged === true,
		ackBy: str(a, 'acknowledged_by'),
		cleared: !!pick(a, 'cleared_at') || a.cleared === true,
	}));
}

export function readStatus(raw: unknown): StatusView {
	const s: Json = isObj(raw) ? raw : {};
	const services: ServiceRow[] = [];
	const disks: DiskRow[] = [];
	readServices(pick(s, 'services', 'components'), '', services);
	readDisks(pick(s, 'disks', 'drives', 'disk', 'storage'), '', disks);
	let pbx = readPbx(pick(s, 'pbx_link', 'pbx', 'link', 'phone_system'));
	for (const [, srv] of entries(pick(s, 'servers'))) {
		if (!isObj(srv))
			continue;
		const name = str(srv, 'name', 'id');
		readServices(pick(srv, 'services', 'components'), name, services);
		readDisks(pick(srv, 'disks', 'drives'), name, disks);
		pbx ??= readPbx(pick(srv, 'pbx_link', 'pbx'));
	}
	// alerts: a list, or the gateway's {unacknowledged, active, latest}.
	const al = pick(s, 'alerts');
	const alerts = al === undefined ? null : readAlerts(isObj(al) && Array.isArray(al.latest) ? al.latest : al);
	const unacknowledged = isObj(al) ? num(al, 'unacknowledged') : undefined;
	const wd = isObj(s.watchdog) ? s.watchdog : null;
	const watchdogDown = wd && wd.reachable === false ? str(wd, 'reason') || 'no answer' : null;
	const lights = services.map((x) => x.light);
	if (pbx)
		lights.push(pbx.light);
	if (watchdogDown)
		lights.push('red');
	return { services, pbx, disks, alerts, unacknowledged, watchdogDown, overall: worst(lights) };
}

export function StatusPage() {
	const [view, setView] = useState<StatusView | null>(null);
	const [alerts, setAlerts] = useState<AlertRow[] | null>(null);
	const [updated, setUpdated] = useState<Date | null>(null);
	const [failed, setFailed] = useState(false);
	const [acking, setAcking] = useState<string | null>(null);
	const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
	const alive = useRef(true);

	async function refresh() {
		clearTimeout(timer.current);
		try {
			const [raw, list] = await Promise.all([
				api.get('/system/status'),
				api.get('/alerts', { limit: 50 }).catch(() => null),
			]);
			const v = readStatus(raw);
			const a = list !== null ? readAlerts(list) : v.alerts;
			if (!alive.current)
				return;
			setView(v);
			setAlerts(a);
			setUpdated(new Date());
			setFailed(false);
		} catch {
			if (alive.current)
				setFailed(true);
		}
		if (alive.current)
			timer.current = setTimeout(refresh, REFRESH_MS);
	}

	useEffect(() => {
		alive.current = true;
		void refresh();
		return () => {
			alive.current = false;
			clearTimeout(timer.current);
		};
	}, []);

	async function acknowledge(id: string) {
		setAcking(id);
		try {
			await api.post(`/alerts/${encodeURIComponent(id)}/acknowledge`);
			notifyOk('Alert acknowledged.');
			setAlerts((list) => list && list.map((a) => a.id === id ? { ...a, acknowledged: true } : a));
			void refresh();
		} catch {
			/* shown in the alert region */
		} finally {
			setAcking(null);
		}
	}

	const open = view?.unacknowledged ?? alerts?.filter((a) => !a.acknowledged).length ?? 0;

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="System Status">
				<span class="muted" id="status-updated" aria-live="off">
					{updated ? `Updated ${updated.toLocaleTimeString()}` : ''}{failed ? ' · refresh failed' : ''}
				</span>
				<button type="button" id="status-refresh" onClick={() => { void refresh(); }}>Refresh now</button>
			</PageHeader>

			{!view && <Loading what="status" />}
			{view && (
				<>
					<div class="summary" id="status-overall" data-light={view.overall}>
						<span>Overall:</span> <Light colour={view.overall} />
						{open > 0 && <span class="warn-flag" id="status-open-alerts">⚠ {open} unacknowledged alert{open === 1 ? '' : 's'}</span>}
					</div>

					<div class="grid-2">
						<section class="panel" aria-labelledby="h-services">
							<h2 id="h-services">Services</h2>
							{view.watchdogDown && (
								<p class="note" id="status-watchdog" data-light="red">
									<Light colour="red" /> The watchdog does not answer ({view.watchdogDown}): the services' state is unknown.
								</p>
							)}
							{view.services.length === 0 ? <Empty>No services reported.</Empty> : (
								<div class="table-wrap">
									<table class="data" id="status-services">
										<thead>
											<tr>
												<th scope="col">Service</th>
												{view.services.some((s) => s.server) && <th scope="col">Server</th>}
												<th scope="col">State</th>
												<th scope="col">Since</th>
												<th scope="col">Restarts</th>
												<th scope="col">Detail</th>
											</tr>
										</thead>
										<tbody>
											{view.services.map((s) => (
												<tr key={s.key} data-service={s.name} data-state={s.state} data-light={s.light}>
													<th scope="row">{s.name}</th>
													{view.services.some((x) => x.server) && <td>{s.server}</td>}
													<td><Light colour={s.light} state={s.state} /></td>
													<td>{s.since}</td>
													<td class="num">{s.restarts ?? ''}</td>
													<td>{s.detail}</td>
												</tr>
											))}
										</tbody>
									</table>
								</div>
							)}
						</section>

						<div class="stack">
							<section class="panel" aria-labelledby="h-pbx">
								<h2 id="h-pbx">PBX link</h2>
								{view.pbx ? (
									<p id="pbx-link" data-state={view.pbx.state} data-light={view.pbx.light}>
										<Light colour={view.pbx.light} state={view.pbx.state} />
										{view.pbx.detail && <span class="muted"> {view.pbx.detail}</span>}
										{view.pbx.since && <span class="muted"> · since {view.pbx.since}</span>}
									</p>
								) : <Empty>No PBX link reported.</Empty>}
							</section>

							<section class="panel" aria-labelledby="h-disks">
								<h2 id="h-disks">Drive space</h2>
								{view.disks.length === 0 ? <Empty>No drives reported.</Empty> : (
									<ul class="disks" id="status-disks">
										{view.disks.map((d) => <DiskBar key={d.key} d={d} />)}
									</ul>
								)}
							</section>
						</div>
					</div>
				</>
			)}

			<section class="panel" aria-labelledby="h-alerts">
				<h2 id="h-alerts">Alerts</h2>
				{alerts === null ? (view ? <Loading what="alerts" /> : null) : alerts.length === 0 ? <Empty>No alerts.</Empty> : (
					<div class="table-wrap">
						<table class="data" id="status-alerts">
							<thead>
								<tr>
									<th scope="col">Time</th>
									<th scope="col">Severity</th>
									<th scope="col">Source</th>
									<th scope="col">Alert</th>
									<th scope="col">State</th>
									<th scope="col"><span class="sr-only">Actions</span></th>
								</tr>
							</thead>
							<tbody>
								{alerts.map((a) => (
									<tr key={a.id} data-alert-id={a.id} data-acknowledged={String(a.acknowledged)}
										class={a.acknowledged ? 'dim' : ''}>
										<td>{a.ts}</td>
										<td><span class={'sev sev-' + idPart(a.severity)}>{a.severity}</span></td>
										<td>{a.source}</td>
										<td>{a.text}</td>
										<td>
											{a.cleared ? 'Cleared' : 'Active'}
											{a.acknowledged ? ` · acknowledged${a.ackBy ? ' by ' + a.ackBy : ''}` : ''}
										</td>
										<td>
											{!a.acknowledged && (
												<button type="button" id={'alert-ack-' + idPart(a.id)} class="small"
													disabled={acking === a.id} onClick={() => { void acknowledge(a.id); }}>
													Acknowledge
												</button>
											)}
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</div>
				)}
			</section>
		</section>
	);
}

function DiskBar({ d }: { d: DiskRow }) {
	const pct = d.usedPct === undefined ? undefined : Math.max(0, Math.min(100, d.usedPct));
	const freePct = pct === undefined ? undefined : 100 - pct;
	const low = d.lowFlag ?? (freePct !== undefined && freePct < (d.lowPct ?? 10));
	const colour = freePct === undefined ? 'unlit' : low ? (freePct < 5 ? 'red' : 'amber') : 'green';
	const words = [
		d.free !== undefined ? `${formatBytes(d.free)} free` : '',
		d.total !== undefined ? `of ${formatBytes(d.total)}` : '',
		pct !== undefined ? `(${pct.toFixed(0)}% used)` : '',
	].filter(Boolean).join(' ');
	return (
		<li class="disk" data-disk={d.name} data-light={colour}>
			<div class="disk-head">
				<span class="disk-name">
					{d.server ? `${d.server}: ` : ''}{d.name}
					{d.usedFor && <span class="muted disk-use"> ({d.usedFor})</span>}
				</span>
				<span class="disk-words">{words}{low ? ' — low' : ''}</span>
			</div>
			<div class="bar" role="meter" aria-label={`${d.name} used`} aria-valuemin={0} aria-valuemax={100}
				aria-valuenow={pct !== undefined ? Math.round(pct) : undefined} aria-valuetext={words}>
				<div class={'bar-fill bar-' + colour} style={{ width: `${pct ?? 0}%` }} />
			</div>
		</li>
	);
}
