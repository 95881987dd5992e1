/*
 * AccessFilters.tsx - Access Filters: exceptions (grant or deny) on top of a role's
 * access scope.  Empty criteria match anything.  Number lists use the manual's form
 * "1001,1002-1008,1010"; outside numbers take % as a wildcard; durations are seconds.
 * The business units come from GET /business-units when the user may list them (it needs
 * config.users); otherwise their ids are typed as a comma list.
 */
import { useState } from 'preact/hooks';
import { fieldError, getAll } from '../api';
import { CrudForm, CrudPage, type CrudSpec, type FormSlot } from '../components/CrudPage';
import { CheckGroup, NumberField, SelectField, TextField } from '../components/Form';
import { splitList, toggled, useAsync } from '../util';
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

const SPEC: CrudSpec = { path: '/access-filters', entity: 'filter', noun: 'Access filter', word: 'filter',
	newLabel: 'New filter' };

export function AccessFiltersPage() {
	const units = useAsync(() => getAll<BusinessUnit>('/business-units', undefined, { quiet: true }).catch(() => null), []);
	return (
		<CrudPage<AccessFilter> spec={SPEC} title="Access Filters" listLabel="Access filters"
			columns={[
				{ head: 'Name', rowHeader: true, cell: (f) => f.name },
				{ head: 'Mode', cell: (f) => (f.mode === 'deny' ? 'Deny' : 'Grant') },
				{ head: 'Extensions', cell: (f) => text(f.extensions) },
				{ head: 'Call type', cell: (f) => f.call_type || 'Any' },
			]}
			form={(f) => <FilterForm {...f} units={units.data ?? null} />} />
	);
}

function FilterForm(p: FormSlot<AccessFilter> & { units: BusinessUnit[] | null }) {
	const f = p.record;
	const [name, setName] = useState(f?.name ?? '');
	const [mode, setMode] = useState<string>(f?.mode ?? 'grant');
	const [texts, setTexts] = useState<Record<string, string>>(() =>
		Object.fromEntries(TEXT_FIELDS.map(([k]) => [k, text(f?.[k])])));
	const [callType, setCallType] = useState(f?.call_type ?? '');
	const [minD, setMinD] = useState<number | null>(f?.min_duration ?? null);
	const [maxD, setMaxD] = useState<number | null>(f?.max_duration ?? null);
	const [unitIds, setUnitIds] = useState<Set<string>>(new Set((f?.business_unit_ids ?? []).map(String)));
	const [unitText, setUnitText] = useState((f?.business_unit_ids ?? []).join(', '));

	const body = () => ({
		name: name.trim(),
		mode,
		...Object.fromEntries(TEXT_FIELDS.map(([k]) => [k, texts[k].trim()])),
		call_type: callType,
		min_duration: minD,
		max_duration: maxD,
		business_unit_ids: p.units ? [...unitIds].map(Number) : splitList(unitText).map(Number).filter(Number.isFinite),
	});

	return (
		<CrudForm spec={SPEC} record={f} onDone={p.onDone} body={body} title={f ? undefined : 'New access filter'}>
			{(err) => <>
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
						selected={unitIds} onToggle={(v, on) => setUnitIds((s) => toggled(s, v, on))} />
				) : (
					<TextField id="filter-bu-ids" name="business_unit_ids" label="Business unit ids" value={unitText}
						onChange={setUnitText} hint="Comma-separated ids." error={fieldError(err, 'business_unit_ids')} />
				)}
			</>}
		</CrudForm>
	);
}
