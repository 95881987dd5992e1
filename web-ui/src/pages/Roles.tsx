/*
 * Roles.tsx - User Roles: name, description, the security profile (what the user may
 * do), the access scope (whose calls they see) and access filters (exceptions on top).
 */
import { useEffect, useState } from 'preact/hooks';
import { api, fieldError, getAll } from '../api';
import { CheckGroup, FormActions, SelectField, TextField, type Option } from '../components/Form';
import { ConfirmButton, Empty, Loading, PageHeader } from '../components/Widgets';
import { notifyOk } from '../notify';
import { useAction, useAsync } from '../util';
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

export function RolesPage() {
	const roles = useAsync(() => getAll<Role>('/roles'), []);
	const profiles = useAsync(() => getAll<Profile>('/security-profiles'), []);
	const filters = useAsync(() => getAll<AccessFilter>('/access-filters'), []);
	const [editing, setEditing] = useState<Role | 'new' | null>(null);

	const profileName = (id: number) => profiles.data?.find((p) => p.id === id)?.name ?? '';

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Roles">
				<button type="button" id="role-new" class="primary" onClick={() => setEditing('new')}>New role</button>
			</PageHeader>
			<div class="split wide-left">
				<section class="panel" aria-label="Roles">
					{roles.loading && !roles.data ? <Loading what="roles" /> : !roles.data?.length ? <Empty>No roles.</Empty> : (
						<div class="table-wrap">
							<table class="data" id="roles-table">
								<thead>
									<tr>
										<th scope="col">Name</th>
										<th scope="col">Security profile</th>
										<th scope="col">Access scope</th>
										<th scope="col">Filters</th>
										<th scope="col"><span class="sr-only">Actions</span></th>
									</tr>
								</thead>
								<tbody>
									{roles.data.map((r) => (
										<tr key={r.id} data-role-id={r.id} class={editing !== 'new' && editing?.id === r.id ? 'selected' : ''}>
											<th scope="row">{r.name}{r.description && <div class="muted small-text">{r.description}</div>}</th>
											<td>{r.profile ?? profileName(r.profile_id)}</td>
											<td>{scopeLabel(r.access_scope)}</td>
											<td class="num">{r.access_filter_ids?.length ?? 0}</td>
											<td class="actions">
												<button type="button" class="small" id={'role-edit-' + r.id} onClick={() => setEditing(r)}>
													Edit<span class="sr-only"> {r.name}</span>
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
					<RoleForm key={editing === 'new' ? 'new' : editing.id} role={editing === 'new' ? null : editing}
						profiles={profiles.data ?? []} filters={filters.data ?? []}
						onDone={(changed) => { setEditing(null); if (changed) roles.reload(); }} />
				)}
			</div>
		</section>
	);
}

function RoleForm(p: { role: Role | null; profiles: Profile[]; filters: AccessFilter[]; onDone: (changed: boolean) => void }) {
	const r = p.role;
	const [name, setName] = useState(r?.name ?? '');
	const [description, setDescription] = useState(r?.description ?? '');
	const [profileId, setProfileId] = useState(r ? String(r.profile_id) : '');
	const [scope, setScope] = useState(r?.access_scope ?? 'own');
	const [filterIds, setFilterIds] = useState<Set<string>>(new Set((r?.access_filter_ids ?? []).map(String)));
	const [busy, err, run] = useAction();

	useEffect(() => {
		if (!profileId && p.profiles.length)
			setProfileId(String(p.profiles[0].id));
	}, [p.profiles]);

	async function submit(e: Event) {
		e.preventDefault();
		await run(async () => {
			const body: Record<string, unknown> = {
				name: name.trim(),
				description: description.trim(),
				profile_id: Number(profileId),
				access_scope: scope,
				access_filter_ids: [...filterIds].map(Number),
			};
			if (r?.builtin)
				delete body.profile_id;
			if (r)
				await api.patch(`/roles/${r.id}`, body);
			else
				await api.post('/roles', body);
			notifyOk(`Role ${body.name} saved.`);
			p.onDone(true);
		});
	}

	async function remove() {
		if (!r)
			return;
		await run(async () => {
			await api.del(`/roles/${r.id}`);
			notifyOk(`Role ${r.name} deleted.`);
			p.onDone(true);
		});
	}

	return (
		<form class="panel editor" id="role-form" onSubmit={submit} aria-labelledby="h-role-form" noValidate>
			<h2 id="h-role-form">{r ? `Edit role ${r.name}` : 'New role'}</h2>
			<fieldset class="plain" disabled={busy}>
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
					selected={filterIds}
					onToggle={(v, on) => setFilterIds((s) => {
						const n = new Set(s);
						if (on)
							n.add(v);
						else
							n.delete(v);
						return n;
					})} />
				<FormActions>
					<button type="submit" id="role-save" class="primary">{r ? 'Save role' : 'Create role'}</button>
					<button type="button" id="role-cancel" onClick={() => p.onDone(false)}>Cancel</button>
					{r && !r.builtin && (
						<ConfirmButton id="role-delete" label="Delete role" question={`Delete role ${r.name}?`}
							onConfirm={() => { void remove(); }} />
					)}
				</FormActions>
			</fieldset>
		</form>
	);
}
