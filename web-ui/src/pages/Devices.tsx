/*
 * Devices.tsx - the PBX's devices as imported (GET /devices, filters kind and q), paged.
 * The filter lives in the hash (#/devices?kind=extension&q=10&removed=1&offset=50) so a
 * reload or the Back button keeps it.  Devices the PBX no longer has are left out unless
 * "Include removed" is ticked (include_removed=true).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, itemsOf, type Page } from '../api';
import { SelectField } from '../components/Form';
import { Empty, Loading, PageHeader, Pager } from '../components/Widgets';
import { navigate, useRoute } from '../router';
import { str, useAsync, type Json } from '../util';

const LIMIT = 50;

const KINDS = [
	{ value: '', label: 'All kinds' },
	{ value: 'extension', label: 'Extension' },
	{ value: 'sip-extension', label: 'SIP extension' },
	{ value: 'phantom', label: 'Phantom' },
	{ value: 'hunt-group', label: 'Hunt group' },
	{ value: 'trunk', label: 'Trunk' },
	{ value: 'trunk-group', label: 'Trunk group' },
	{ value: 'voicemail', label: 'Voice mail' },
	{ value: 'page', label: 'Page port' },
	{ value: 'other', label: 'Other' },
];

export function DevicesPage() {
	const route = useRoute();
	const kind = route.params.get('kind') ?? '';
	const q = route.params.get('q') ?? '';
	const removed = route.params.get('removed') === '1';
	const offset = Math.max(0, Number(route.params.get('offset') ?? 0) || 0);
	const [kindInput, setKindInput] = useState(kind);
	const [qInput, setQInput] = useState(q);

	useEffect(() => {
		setKindInput(kind);
		setQInput(q);
	}, [kind, q]);

	const page = useAsync(() => api.get<Page<Json>>('/devices',
	    { kind, q, include_removed: removed || undefined, offset, limit: LIMIT }), [kind, q, removed, offset]);
	const rows = itemsOf<Json>(page.data);

	function go(next: { kind?: string; q?: string; removed?: boolean; offset?: number }) {
		const qs = new URLSearchParams();
		const k = next.kind ?? kind, s = next.q ?? q, o = next.offset ?? 0, r = next.removed ?? removed;
		if (k)
			qs.set('kind', k);
		if (s)
			qs.set('q', s);
		if (r)
			qs.set('removed', '1');
		if (o)
			qs.set('offset', String(o));
		const t = qs.toString();
		navigate('/devices' + (t ? '?' + t : ''));
	}

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Devices">
				<a href="#/phone-systems" class="button-link" id="devices-phone-systems">Phone systems…</a>
			</PageHeader>
			<form class="filters panel" id="devices-filter" role="search"
				onSubmit={(e) => { e.preventDefault(); go({ kind: kindInput, q: qInput.trim(), offset: 0 }); }}>
				<SelectField id="devices-kind" name="kind" label="Kind" value={kindInput} options={KINDS}
					onChange={(v) => { setKindInput(v); go({ kind: v, q: qInput.trim(), offset: 0 }); }} />
				<div class="field">
					<label for="devices-q">Search</label>
					<input id="devices-q" name="q" type="search" value={qInput} placeholder="Number or name"
						onInput={(e) => setQInput(e.currentTarget.value)} />
				</div>
				<div class="field field-check filter-check">
					<input id="devices-removed" name="include_removed" type="checkbox" checked={removed}
						onChange={(e) => go({ kind: kindInput, q: qInput.trim(), removed: e.currentTarget.checked, offset: 0 })} />
					<label for="devices-removed">Include removed</label>
				</div>
				<div class="field field-button">
					<button type="submit" id="devices-search" class="primary">Search</button>
				</div>
			</form>

			<section class="panel" aria-label="Device list">
				{page.loading && !page.data ? <Loading what="devices" /> : rows.length === 0 ? <Empty>No devices match.</Empty> : (
					<div class="table-wrap">
						<table class="data" id="devices-table">
							<thead>
								<tr>
									<th scope="col">Number</th>
									<th scope="col">Kind</th>
									<th scope="col">Description</th>
									<th scope="col">User name</th>
									<th scope="col">Node</th>
									<th scope="col">Monitoring</th>
								</tr>
							</thead>
							<tbody>
								{rows.map((d) => {
									const number = str(d, 'number', 'device');
									return (
										<tr key={number} data-device={number} data-kind={str(d, 'kind')}>
											<th scope="row">{number}</th>
											<td>{KINDS.find((k) => k.value === str(d, 'kind'))?.label ?? str(d, 'kind')}</td>
											<td>{str(d, 'description', 'name')}</td>
											<td>{str(d, 'username')}</td>
											<td class="num">{str(d, 'node')}</td>
											<td>{d.monitoring_disabled === true ? 'Disabled' : d.removed_at ? 'Removed' : 'On'}</td>
										</tr>
									);
								})}
							</tbody>
						</table>
					</div>
				)}
				<Pager idPrefix="devices" offset={offset} limit={LIMIT} count={rows.length}
					total={typeof page.data?.total === 'number' ? page.data.total : undefined}
					onChange={(o) => go({ offset: o })} />
			</section>
		</section>
	);
}
