/*
 * Calls.tsx - the call list (GET /calls): filters, a paged table, and a row that opens to
 * show the call's segments (from the list answer when it carries them, else from
 * GET /calls/{id}).  With recordings.modify_call_details the open row also edits the
 * five tags and the notes (PATCH /calls/{id}/tags).
 *
 * Call ids are strings (they exceed JavaScript's exact integers) and stay strings here.
 * Direction values are the API's: in, out, na (internal).
 * Test hooks: rows have data-call-id; the open button is #call-expand-<id> with
 * aria-expanded; the segments row is #call-detail-<id>.
 */
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, fieldError, itemsOf, type Page } from '../api';
import { FormActions, SelectField, TextArea, TextField } from '../components/Form';
import { Empty, Loading, PageHeader, Pager } from '../components/Widgets';
import { notifyOk } from '../notify';
import { currentUser, hasPermission } from '../session';
import { formatDuration, formatTime, idPart, isObj, localToIso, num, pick, str, useAction, type Json } from '../util';

interface Filters {
	from: string;
	to: string;
	device: string;
	number: string;
	direction: string;
	answered: string;
}

const EMPTY: Filters = { from: '', to: '', device: '', number: '', direction: '', answered: '' };
const LIMITS = [25, 50, 100, 200];

const DIRECTIONS = [
	{ value: '', label: 'Any' },
	{ value: 'in', label: 'Inbound' },
	{ value: 'out', label: 'Outbound' },
	{ value: 'na', label: 'Internal' },
];

function callId(c: Json): string {
	return str(c, 'id', 'call_id');
}

function directionLabel(d: string): string {
	return DIRECTIONS.find((x) => x.value === d && d)?.label ?? (d === 'internal' ? 'Internal' : d);
}

function yesNo(v: unknown): string {
	return v === true ? 'Yes' : v === false ? 'No' : '';
}

/* The party shown as "From" and "To" for each direction. */
function parties(c: Json): { from: string; to: string } {
	const dir = str(c, 'direction');
	const ext = str(c, 'answering_ext', 'last_rang_ext', 'first_rang_ext', 'target');
	const outside = str(c, 'telephone_number', 'cli', 'dialled', 'number');
	const name = str(c, 'caller_name');
	if (dir === 'in')
		return { from: outside + (name ? ` (${name})` : ''), to: ext };
	if (dir === 'out')
		return { from: str(c, 'originator'), to: outside };
	return { from: str(c, 'originator'), to: ext || outside };
}

export function CallsPage() {
	const canTag = hasPermission(currentUser(), 'recordings.modify_call_details');
	const [draft, setDraft] = useState<Filters>(EMPTY);
	const [applied, setApplied] = useState<Filters>(EMPTY);
	const [offset, setOffset] = useState(0);
	const [limit, setLimit] = useState(50);
	const [page, setPage] = useState<Page<Json> | null>(null);
	const [loading, setLoading] = useState(true);
	const [open, setOpen] = useState<Set<string>>(new Set());

	useEffect(() => {
		let stale = false;
		setLoading(true);
		api.get<Page<Json>>('/calls', {
			from: localToIso(applied.from),
			to: localToIso(applied.to),
			device: applied.device.trim(),
			number: applied.number.trim(),
			direction: applied.direction,
			answered: applied.answered,
			offset,
			limit,
		}).then((p) => {
			if (!stale)
				setPage(p);
		}, () => undefined).finally(() => {
			if (!stale)
				setLoading(false);
		});
		return () => { stale = true; };
	}, [applied, offset, limit]);

	const set = <K extends keyof Filters>(k: K) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
	const rows = itemsOf<Json>(page).filter(isObj);

	function toggle(id: string) {
		setOpen((s) => {
			const n = new Set(s);
			if (n.has(id))
				n.delete(id);
			else
				n.add(id);
			return n;
		});
	}

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Call List" />
			<form class="filters panel" id="calls-filter" role="search" noValidate
				onSubmit={(e) => { e.preventDefault(); setOffset(0); setOpen(new Set()); setApplied({ ...draft }); }}>
				<TextField id="calls-from" name="from" label="From" type="datetime-local" value={draft.from} onChange={set('from')} />
				<TextField id="calls-to" name="to" label="To" type="datetime-local" value={draft.to} onChange={set('to')} />
				<TextField id="calls-device" name="device" label="Device" value={draft.device} onChange={set('device')}
					placeholder="Extension or agent" inputMode="numeric" />
				<TextField id="calls-number" name="number" label="Number" value={draft.number} onChange={set('number')}
					placeholder="Outside number" inputMode="tel" />
				<SelectField id="calls-direction" name="direction" label="Direction" value={draft.direction}
					options={DIRECTIONS} onChange={set('direction')} />
				<SelectField id="calls-answered" name="answered" label="Answered" value={draft.answered}
					options={[{ value: '', label: 'Any' }, { value: 'true', label: 'Yes' }, { value: 'false', label: 'No' }]}
					onChange={set('answered')} />
				<div class="field field-button">
					<button type="submit" id="calls-search" class="primary">Search</button>
					<button type="button" id="calls-reset" onClick={() => { setDraft(EMPTY); setOffset(0); setApplied(EMPTY); }}>
						Clear
					</button>
				</div>
			</form>

			<section class="panel" aria-label="Calls">
				{loading && !page ? <Loading what="calls" /> : rows.length === 0 ? <Empty>No calls match.</Empty> : (
					<div class="table-wrap">
						<table class="data calls" id="calls-table" aria-busy={loading}>
							<thead>
								<tr>
									<th scope="col"><span class="sr-only">Segments</span></th>
									<th scope="col">Start</th>
									<th scope="col">Direction</th>
									<th scope="col">From</th>
									<th scope="col">To</th>
									<th scope="col">Answered</th>
									<th scope="col">Ring</th>
									<th scope="col">Talk</th>
									<th scope="col">Segments</th>
								</tr>
							</thead>
							<tbody>
								{rows.map((c) => {
									const id = callId(c);
									const isOpen = open.has(id);
									const pt = parties(c);
									return (
										<Fragment key={id}>
											<tr data-call-id={id} class={isOpen ? 'open' : ''}>
												<td>
													<button type="button" class="expand" id={'call-expand-' + idPart(id)}
														aria-expanded={isOpen} aria-controls={'call-detail-' + idPart(id)}
														onClick={() => toggle(id)}>
														<span aria-hidden="true">{isOpen ? '▾' : '▸'}</span>
														<span class="sr-only">{isOpen ? 'Hide' : 'Show'} segments of call {id}</span>
													</button>
												</td>
												<td>{formatTime(pick(c, 'start_ts', 'start', 'started_at', 'created_ts'))}</td>
												<td>{directionLabel(str(c, 'direction'))}</td>
												<td>{pt.from}</td>
												<td>{pt.to}</td>
												<td>{yesNo(c.answered)}</td>
												<td class="num">{formatDuration(num(c, 'ring_ms'))}</td>
												<td class="num">{formatDuration(num(c, 'talk_ms'))}</td>
												<td class="num">{str(c, 'segment_count') || (Array.isArray(c.segments) ? c.segments.length : '')}</td>
											</tr>
											{isOpen && (
												<tr class="detail" id={'call-detail-' + idPart(id)} data-call-detail={id}>
													<td colSpan={9}>
														<CallDetail call={c} id={id} canTag={canTag} />
													</td>
												</tr>
											)}
										</Fragment>
									);
								})}
							</tbody>
						</table>
					</div>
				)}
				<div class="pager-row">
					<Pager idPrefix="calls" offset={offset} limit={limit} count={rows.length}
						total={typeof page?.total === 'number' ? page.total : undefined}
						onChange={(o) => { setOpen(new Set()); setOffset(o); }} />
					<div class="field inline">
						<label for="calls-limit">Rows per page</label>
						<select id="calls-limit" value={String(limit)}
							onChange={(e) => { setOffset(0); setLimit(Number(e.currentTarget.value)); }}>
							{LIMITS.map((l) => <option key={l} value={String(l)}>{l}</option>)}
						</select>
					</div>
				</div>
			</section>
		</section>
	);
}

function CallDetail(p: { call: Json; id: string; canTag: boolean }) {
	const [call, setCall] = useState<Json>(p.call);
	const [loading, setLoading] = useState(!Array.isArray(p.call.segments));

	useEffect(() => {
		if (Array.isArray(p.call.segments))
			return;
		let stale = false;
		api.get<Json>(`/calls/${encodeURIComponent(p.id)}`).then((c) => {
			if (!stale && isObj(c))
				setCall({ ...p.call, ...c });
		}, () => undefined).finally(() => {
			if (!stale)
				setLoading(false);
		});
		return () => { stale = true; };
	}, [p.id]);

	const segments = (Array.isArray(call.segments) ? call.segments : []).filter(isObj);
	return (
		<div class="call-detail">
			{loading ? <Loading what="segments" /> : segments.length === 0 ? <Empty>No segments visible.</Empty> : (
				<table class="data inner" id={'call-segments-' + idPart(p.id)}>
					<caption class="sr-only">Segments of call {p.id}</caption>
					<thead>
						<tr>
							<th scope="col">#</th>
							<th scope="col">Start</th>
							<th scope="col">Device</th>
							<th scope="col">Agent</th>
							<th scope="col">Hunt group</th>
							<th scope="col">Answered</th>
							<th scope="col">Ring</th>
							<th scope="col">Talk</th>
							<th scope="col">Hold</th>
							<th scope="col">How it ended</th>
						</tr>
					</thead>
					<tbody>
						{segments.map((s, i) => (
							<tr key={str(s, 'rec_id', 'id') || i} data-segment={str(s, 'segment_no') || String(i + 1)}>
								<td class="num">{str(s, 'segment_no') || i + 1}</td>
								<td>{formatTime(pick(s, 'start_ts', 'start'))}</td>
								<td>{str(s, 'answering_ext', 'target', 'device', 'originator')}</td>
								<td>{str(s, 'answering_agent', 'agent')}</td>
								<td>{str(s, 'hunt_group')}</td>
								<td>{yesNo(s.answered)}</td>
								<td class="num">{formatDuration(num(s, 'ring_ms'))}</td>
								<td class="num">{formatDuration(num(s, 'talk_ms'))}</td>
								<td class="num">{formatDuration(num(s, 'hold_ms'))}</td>
								<td>{[str(s, 'end_reason'), str(s, 'transferred_to') && `→ ${str(s, 'transferred_to')}`].filter(Boolean).join(' ')}</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
			{p.canTag ? <TagsForm call={call} id={p.id} onSaved={(t) => setCall((c) => ({ ...c, ...t }))} /> : <TagsView call={call} />}
		</div>
	);
}

const TAGS = ['tag1', 'tag2', 'tag3', 'tag4', 'tag5'] as const;

function tagValue(c: Json, k: string): string {
	const tags = isObj(c.tags) ? c.tags : null;
	return str(c, k) || (tags ? str(tags, k) : '');
}

function TagsView({ call }: { call: Json }) {
	const set = [...TAGS, 'notes'].map((k) => [k, tagValue(call, k)] as const).filter(([, v]) => v);
	if (!set.length)
		return null;
	return (
		<dl class="facts tags-view">
			{set.map(([k, v]) => <Fragment key={k}><dt>{k === 'notes' ? 'Notes' : 'Tag ' + k.slice(3)}</dt><dd>{v}</dd></Fragment>)}
		</dl>
	);
}

function TagsForm(p: { call: Json; id: string; onSaved: (t: Record<string, string>) => void }) {
	const [vals, setVals] = useState<Record<string, string>>(() =>
		Object.fromEntries([...TAGS, 'notes'].map((k) => [k, tagValue(p.call, k)])));
	const [busy, err, run] = useAction();
	const base = 'call-' + idPart(p.id) + '-';

	async function submit(e: Event) {
		e.preventDefault();
		await run(async () => {
			await api.patch(`/calls/${encodeURIComponent(p.id)}/tags`, vals);
			p.onSaved(vals);
			notifyOk(`Tags of call ${p.id} saved.`);
		});
	}

	return (
		<form class="tags-form" id={base + 'tags'} onSubmit={submit} aria-label={`Tags of call ${p.id}`} noValidate>
			<fieldset class="plain" disabled={busy}>
				<div class="form-grid tags">
					{TAGS.map((k, i) => (
						<TextField key={k} id={base + k} name={k} label={`Tag ${i + 1}`} value={vals[k]}
							onChange={(v) => setVals((x) => ({ ...x, [k]: v }))} error={fieldError(err, k)} />
					))}
				</div>
				<TextArea id={base + 'notes'} name="notes" label="Notes" value={vals.notes} rows={2}
					onChange={(v) => setVals((x) => ({ ...x, notes: v }))} error={fieldError(err, 'notes')} />
				<FormActions>
					<button type="submit" id={base + 'tags-save'}>Save tags</button>
				</FormActions>
			</fieldset>
		</form>
	);
}
