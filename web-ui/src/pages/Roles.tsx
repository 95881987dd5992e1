/*
 * Roles.tsx - User Roles: name, description, the security profile (what the user may
 * do), the access scope (whose calls they see) and access filters (exceptions on top).
 */
import { useEffect, useState } from 'preact/hooks';
import { fieldError, getAll } from '../api';
import { CrudForm, CrudPage, type CrudSpec, type FormSlot } from '../components/CrudPage';
import { CheckGroup, SelectField, TextField, type Option } from '../components/Form';
import { toggled, useAsync } from '../util';
import type { AccessFilter } from './AccessFilters';
import type { Profile } from './Profiles';

export interface Role {
	id: number;
	name: string;
	description?: string;
	profile_id: number;
	profile?: string;
	access_scope: string;
	access_filter_ids?: number[];
	builtin?: boolean;
}

export const SCOPES: Option[] = [
	{ value: 'none', label: 'None (no calls)' },
	{ value: 'own', label: 'Own calls' },
	{ value: 'business_unit', label: 'Business unit' },
	{ value: 'business_unit_master', label: 'Business unit master (unit and sub-units)' },
	{ value: 'site', label: 'Site' },
	{ value: 'organisation', label: 'Organisation' },
];

export function scopeLabel(v: string): string {
	return SCOPES.find((s) => s.value === v)?.label ?? v;
}

const SPEC: CrudSpec = { path: '/roles', entity: 'role', noun: 'Role', word: 'role', newLabel: 'New role' };

export function RolesPage() {
	const profiles = useAsync(() => getAll<Profile>('/security-profiles'), []);
	const filters = useAsync(() => getAll<AccessFilter>('/access-filters'), []);
	const profileName = (id: number) => profiles.data?.find((p) => p.id === id)?.name ?? '';

	return (
		<CrudPage<Role> spec={SPEC} title="Roles" listLabel="Roles" split="wide-left"
			columns={[
				{ head: 'Name', rowHeader: true, cell: (r) => <>{r.name}{r.description && <div class="muted small-text">{r.description}</div>}</> },
				{ head: 'Security profile', cell: (r) => r.profile ?? profileName(r.profile_id) },
				{ head: 'Access scope', cell: (r) => scopeLabel(r.access_scope) },
				{ head: 'Filters', class: 'num', cell: (r) => r.access_filter_ids?.length ?? 0 },
			]}
			form={(f) => <RoleForm {...f} profiles={profiles.data ?? []} filters={filters.data ?? []} />} />
	);
}

function RoleForm(p: FormSlot<Role> & { profiles: Profile[]; filters: AccessFilter[] }) {
	const r = p.record;
	const [name, setName] = useState(r?.name ?? '');
	const [description, setDescription] = useState(r?.description ?? '');
	const [profileId, setProfileId] = useState(r ? String(r.profile_id) : '');
	const [scope, setScope] = useState(r?.access_scope ?? 'own');
	const [filterIds, setFilterIds] = useState<Set<string>>(new Set((r?.access_filter_ids ?? []).map(String)));

	useEffect(() => {
		if (!profileId && p.profiles.length)
			setProfileId(String(p.profiles[0].id));
	}, [p.profiles]);

	function body() {
		const b: Record<string, unknown> = {
			name: name.trim(),
			description: description.trim(),
			profile_id: Number(profileId),
			access_scope: scope,
			access_filter_ids: [...filterIds].map(Number),
		};
		if (r?.builtin)
			delete b.profile_id;
		return b;
	}

	return (
		<CrudForm spec={SPEC} record={r} onDone={p.onDone} body={body}>
			{(err) => <>
				<TextField id="role-name" name="name" label="Name" value={name} onChange={setName} required
					error={fieldError(err, 'name')} />
				<TextField id="role-description" name="description" label="Description" value={description}
					onChange={setDescription} error={fieldError(err, 'description')} />
				<SelectField id="role-profile" name="profile_id" label="Security profile" value={profileId}
					options={p.profiles.map((x) => ({ value: String(x.id), label: x.name }))}
					onChange={setProfileId} error={fieldError(err, 'profile_id')} disabled={!!r?.builtin}
					hint={r?.builtin ? 'A built-in role keeps its profile.' : undefined} />
				<SelectField id="role-scope" name="access_scope" label="Access scope" value={scope} options={SCOPES}
					onChange={setScope} error={fieldError(err, 'access_scope')}
					hint="Whose calls the users see, relative to their own business unit." />
				<CheckGroup legend="Access filters" idPrefix="role-filter-"
					options={p.filters.map((f) => ({ value: String(f.id), label: `${f.name} (${f.mode})` }))}
					selected={filterIds} onToggle={(v, on) => setFilterIds((s) => toggled(s, v, on))} />
			</>}
		</CrudForm>
	);
}
