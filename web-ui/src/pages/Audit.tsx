/*
 * Audit.tsx - the audit trail (GET /audit), newest first as the gateway sends it, paged,
 * with the gateway's filters: user (exact), action (prefix, e.g. "user."), from, to.
 * Details are JSON: shown as text, never as markup.
 */
import { useState } from 'preact/hooks';
import { api, itemsOf, type Page } from '../api';
import { TextField } from '../components/Form';
import { Empty, Loading, PageHeader, Pager } from '../components/Widgets';
import { formatTime, isObj, localToIso, pick, str, useAsync, type Json } from '../util';

interface AuditFilter {
	user: string;
	action: string;
	from: string;
	to: string;
}

const NONE: AuditFilter = { user: '', action: '', from: '', to: '' };

const LIMIT = 50;

function details(v: unknown): string {
	if (v === undefined || v === null || v === '')
		return '';
	if (typeof v === 'string')
		return v;
	try {
		return JSON.stringify(v);
	} catch {
		return String(v);
	}
}

export function AuditPage() {
	const [offset, setOffset] = useState(0);
	const [draft, setDraft] = useState<AuditFilter>(NONE);
	const [f, setF] = useState<AuditFilter>(NONE);
	const page = useAsync(() => api.get<Page<Json>>('/audit', {
		user: f.user.trim(), action: f.action.trim(), from: localToIso(f.from), to: localToIso(f.to), offset, limit: LIMIT,
	}), [f, offset]);
	const set = (k: keyof AuditFilter) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
	const rows = itemsOf<Json>(page.data).filter(isObj);

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Audit">
				<button type="button" id="audit-refresh" onClick={page.reload}>Refresh</button>
			</PageHeader>
			<form class="filters panel" id="audit-filter" role="search" noValidate
				onSubmit={(e) => { e.preventDefault(); setOffset(0); setF({ ...draft }); }}>
				<TextField id="audit-user" name="user" label="User" value={draft.user} onChange={set('user')} />
				<TextField id="audit-action" name="action" label="Action starts with" value={draft.action}
					onChange={set('action')} placeholder="e.g. user." />
				<TextField id="audit-from" name="from" label="From" type="datetime-local" value={draft.from} onChange={set('from')} />
				<TextField id="audit-to" name="to" label="To" type="datetime-local" value={draft.to} onChange={set('to')} />
				<div class="field field-button">
					<button type="submit" id="audit-search" class="primary">Search</button>
				</div>
			</form>
			<section class="panel" aria-label="Audit events">
				{page.loading && !page.data ? <Loading what="audit events" /> : rows.length === 0 ? <Empty>No audit events.</Empty> : (
					<div class="table-wrap">
						<table class="data" id="audit-table">
							<thead>
								<tr>
									<th scope="col">Time</th>
									<th scope="col">User</th>
									<th scope="col">Action</th>
									<th scope="col">Target</th>
									<th scope="col">Client</th>
									<th scope="col">Details</th>
								</tr>
							</thead>
							<tbody>
								{rows.map((r, i) => (
									<tr key={str(r, 'id') || i} data-audit-id={str(r, 'id')} data-action={str(r, 'action')}>
										<td class="nowrap">{formatTime(pick(r, 'ts', 'time', 'created_at'))}</td>
										<td>{str(r, 'username', 'user')}</td>
										<td class="mono">{str(r, 'action')}</td>
										<td>{str(r, 'target')}</td>
										<td class="mono">{str(r, 'client_ip', 'ip')}</td>
										<td class="details">{details(r.details)}</td>
									</tr>
								))}
							</tbody>
						</table>
					</div>
				)}
				<Pager idPrefix="audit" offset={offset} limit={LIMIT} count={rows.length}
					total={typeof page.data?.total === 'number' ? page.data.total : undefined} onChange={setOffset} />
			</section>
		</section>
	);
}
