/*
 * AccessFilters.tsx - Access Filters: exceptions (grant or deny) on top of a role's
 * access scope.  Empty criteria match anything.  Number lists use the manual's form
 * "1001,1002-1008,1010"; outside numbers take % as a wildcard; durations are seconds.
 * The business units come from GET /business-units when the user may list them (it needs
 * config.users); otherwise their ids are typed as a comma list.
 */
import { useState } from 'preact/hooks';
import { api, fieldError, getAll } from '../api';
import { CheckGroup, FormActions, NumberField, SelectField, TextField } from '../components/Form';
import { ConfirmButton, Empty, Loading, PageHeader } from '../components/Widgets';
import { notifyOk } from '../notify';
import { splitList, useAction, useAsync } from '../util';
import type { BusinessUnit } from './Users';

export interface AccessFilter {
	id: number;
	name: string;
	mode: 'grant' | 'deny';
	outside_number?: string;
	extensions?: string;
	ddi?: string;
	trunk?: string;
	call_type?: string;
	min_duration?: number | null;
	max_duration?: number | null;
	agents?: string;
	hunt_groups?: string;
	account_code?: string;
	business_unit_ids?: number[];
}

/* A criterion may come back as a list; the form edits the "a,b-c" text. */
function text(v: unknown): string {
	if (Array.isArray(v))
		return v.join(',');
	return v === null || v === undefined ? '' : String(v);
}

const TEXT_FIELDS: Array<[keyof AccessFilter, string, string, string?]> = [
	['outside_number', 'filter-outside-number', 'Outside number', 'Caller ID inbound, dialled number outbound; % is a wildcard (09%).'],
	['extensions', 'filter-extensions', 'Extensions', 'e.g. 1001,1002-1008,1010'],
	['ddi', 'filter-ddi', 'DDI'],
	['trunk', 'filter-trunk', 'Trunk'],
	['agents', 'filter-agents', 'Agent IDs', 'e.g. 3001,3005-3010'],
	['hunt_groups', 'filter-hunt-groups', 'Hunt groups', 'e.g. 2000,2001'],
	['account_code', 'filter-account-code', 'Account code'],
];

export function AccessFiltersPage() {
	const filters = useAsync(() => getAll<AccessFilter>('/access-filters'), []);
	const units = useAsync(() => getAll<BusinessUnit>('/business-units', undefined, { quiet: true }).catch(() => null), []);
	const [editing, setEditing] = useState<AccessFilter | 'new' | null>(null);

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Access Filters">
				<button type="button" id="filter-new" class="primary" onClick={() => setEditing('new')}>New filter</button>
			</PageHeader>
			<div class="split">
				<section class="panel" aria-label="Access filters">
					{filters.loading && !filters.data ? <Loading what="filters" /> : !filters.data?.length ? <Empty>No access filters.</Empty> : (
						<div class="table-wrap">
							<table class="data" id="filters-table">
								<thead>
									<tr>
										<th scope="col">Name</th>
										<th scope="col">Mode</th>
										<th scope="col">Extensions</th>
										<th scope="col">Call type</th>
										<th scope="col"><span class="sr-only">Actions</span></th>
									</tr>
								</thead>
								<tbody>
									{filters.data.map((f) => (
										<tr key={f.id} data-filter-id={f.id}
											class={editing !== 'new' && editing?.id === f.id ? 'selected' : ''}>
											<th scope="row">{f.name}</th>
											<td>{f.mode === 'deny' ? 'Deny' : 'Grant'}</td>
											<td>{text(f.extensions)}</td>
											<td>{f.call_type || 'Any'}</td>
											<td class="actions">
												<button type="button" class="small" id={'filter-edit-' + f.id} onClick={() => setEditing(f)}>
													Edit<span class="sr-only"> {f.name}</span>
												</button>
											</td>
										</tr>
									))}
								</tbody>
							</table>
						</div>
					)}
				</section>
				{editing && (
					<FilterForm key={editing === 'new' ? 'new' : editing.id} filter={editing === 'new' ? null : editing}
						units={units.data ?? null}
						onDone={(changed) => { setEditing(null); if (changed) filters.reload(); }} />
				)}
			</div>
		</section>
	);
}

function FilterForm(p: { filter: AccessFilter | null; units: BusinessUnit[] | null; onDone: (changed: boolean) => void }) {
	const f = p.filter;
	const [name, setName] = useState(f?.name ?? '');
	const [mode, setMode] = useState<string>(f?.mode ?? 'grant');
	const [texts, setTexts] = useState<Record<string, string>>(() =>
		Object.fromEntries(TEXT_FIELDS.map(([k]) => [k, text(f?.[k])])));
	const [callType, setCallType] = useState(f?.call_type ?? '');
	const [minD, setMinD] = useState<number | null>(f?.min_duration ?? null);
	const [maxD, setMaxD] = useState<number | null>(f?.max_duration ?? null);
	const [unitIds, setUnitIds] = useState<Set<string>>(new Set((f?.business_unit_ids ?? []).map(String)));
	const [unitText, setUnitText] = useState((f?.business_unit_ids ?? []).join(', '));
	const [busy, err, run] = useAction();

	async function submit(e: Event) {
		e.preventDefault();
		await run(async () => {
			const ids = p.units ? [...unitIds].map(Number) : splitList(unitText).map(Number).filter(Number.isFinite);
			const body: Record<string, unknown> = {
				name: name.trim(),
				mode,
				...Object.fromEntries(TEXT_FIELDS.map(([k]) => [k, texts[k].trim()])),
				call_type: callType,
				min_duration: minD,
				max_duration: maxD,
				business_unit_ids: ids,
			};
			if (f)
				await api.patch(`/access-filters/${f.id}`, body);
			else
				await api.post('/access-filters', body);
			notifyOk(`Access filter ${body.name} saved.`);
			p.onDone(true);
		});
	}

	async function remove() {
		if (!f)
			return;
		await run(async () => {
			await api.del(`/access-filters/${f.id}`);
			notifyOk(`Access filter ${f.name} deleted.`);
			p.onDone(true);
		});
	}

	return (
		<form class="panel editor" id="filter-form" onSubmit={submit} aria-labelledby="h-filter-form" noValidate>
			<h2 id="h-filter-form">{f ? `Edit filter ${f.name}` : 'New access filter'}</h2>
			<fieldset class="plain" disabled={busy}>
				<div class="form-grid">
					<TextField id="filter-name" name="name" label="Name" value={name} onChange={setName} required
						error={fieldError(err, 'name')} />
					<SelectField id="filter-mode" name="mode" label="Access mode" value={mode} onChange={setMode}
						options={[{ value: 'grant', label: 'Grant (also show matching calls)' }, { value: 'deny', label: 'Deny (hide matching calls)' }]}
						error={fieldError(err, 'mode')} />
					{TEXT_FIELDS.map(([k, id, label, hint]) => (
						<TextField key={k} id={id} name={k} label={label} hint={hint} value={texts[k]}
							onChange={(v) => setTexts((t) => ({ ...t, [k]: v }))} error={fieldError(err, k)} />
					))}
					<SelectField id="filter-call-type" name="call_type" label="Call type" value={callType} onChange={setCallType}
						options={[{ value: '', label: 'Any' }, { value: 'inbound', label: 'Inbound' },
							{ value: 'outbound', label: 'Outbound' }, { value: 'internal', label: 'Internal' }]}
						error={fieldError(err, 'call_type')} />
					<NumberField id="filter-min-duration" name="min_duration" label="Minimum duration (s)" value={minD}
						onChange={setMinD} min={0} error={fieldError(err, 'min_duration')} />
					<NumberField id="filter-max-duration" name="max_duration" label="Maximum duration (s)" value={maxD}
						onChange={setMaxD} min={0} error={fieldError(err, 'max_duration')} />
				</div>
				{p.units ? (
					<CheckGroup legend="Business units covered" idPrefix="filter-bu-" columns
						options={p.units.filter((u) => u.kind === 'normal').map((u) => ({ value: String(u.id), label: u.name }))}
						selected={unitIds}
						onToggle={(v, on) => setUnitIds((s) => {
							const n = new Set(s);
							if (on)
								n.add(v);
							else
								n.delete(v);
							return n;
						})} />
				) : (
					<TextField id="filter-bu-ids" name="business_unit_ids" label="Business unit ids" value={unitText}
						onChange={setUnitText} hint="Comma-separated ids." error={fieldError(err, 'business_unit_ids')} />
				)}
				<FormActions>
					<button type="submit" id="filter-save" class="primary">{f ? 'Save filter' : 'Create filter'}</button>
					<button type="button" id="filter-cancel" onClick={() => p.onDone(false)}>Cancel</button>
					{f && (
						<ConfirmButton id="filter-delete" label="Delete filter" question={`Delete filter ${f.name}?`}
							onConfirm={() => { void remove(); }} />
					)}
				</FormActions>
			</fieldset>
		</form>
	);
}
