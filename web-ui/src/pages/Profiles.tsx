/*
 * Profiles.tsx - Security Profiles: a name, a description and the permissions it grants,
 * shown as checkboxes grouped as GET /permissions groups them.  A profile with
 * editable = false (the built-in Admin) is shown read-only; built-in profiles cannot be
 * deleted.
 */
import { useState } from 'preact/hooks';
import { api, fieldError, getAll } from '../api';
import { CheckGroup, FormActions, TextField } from '../components/Form';
import { ConfirmButton, Empty, Loading, PageHeader } from '../components/Widgets';
import { notifyOk } from '../notify';
import { useAction, useAsync } from '../util';

export interface Profile {
	id: number;
	name: string;
	description?: string;
	builtin?: boolean;
	editable?: boolean;
	permissions?: string[];
}

export interface Permission {
	name: string;
	group: string;
	label: string;
}

function groupPermissions(list: Permission[]): Array<[string, Permission[]]> {
	const m = new Map<string, Permission[]>();
	for (const p of list) {
		const g = p.group || 'Other';
		m.set(g, [...(m.get(g) ?? []), p]);
	}
	return [...m.entries()];
}

export function ProfilesPage() {
	const profiles = useAsync(() => getAll<Profile>('/security-profiles'), []);
	const perms = useAsync(() => getAll<Permission>('/permissions'), []);
	const [editing, setEditing] = useState<Profile | 'new' | null>(null);

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Security Profiles">
				<button type="button" id="profile-new" class="primary" onClick={() => setEditing('new')}>New profile</button>
			</PageHeader>
			<div class="split">
				<section class="panel" aria-label="Security profiles">
					{profiles.loading && !profiles.data ? <Loading what="profiles" /> : !profiles.data?.length ? <Empty>No profiles.</Empty> : (
						<div class="table-wrap">
							<table class="data" id="profiles-table">
								<thead>
									<tr>
										<th scope="col">Name</th>
										<th scope="col">Kind</th>
										<th scope="col">Permissions</th>
										<th scope="col"><span class="sr-only">Actions</span></th>
									</tr>
								</thead>
								<tbody>
									{profiles.data.map((pr) => (
										<tr key={pr.id} data-profile-id={pr.id}
											class={editing !== 'new' && editing?.id === pr.id ? 'selected' : ''}>
											<th scope="row">{pr.name}{pr.description && <div class="muted small-text">{pr.description}</div>}</th>
											<td>{pr.builtin ? (pr.editable === false ? 'Built-in, read-only' : 'Built-in') : 'Custom'}</td>
											<td class="num">{pr.permissions?.length ?? ''}</td>
											<td class="actions">
												<button type="button" class="small" id={'profile-edit-' + pr.id} onClick={() => setEditing(pr)}>
													{pr.editable === false ? 'View' : 'Edit'}<span class="sr-only"> {pr.name}</span>
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
					<ProfileForm key={editing === 'new' ? 'new' : editing.id} profile={editing === 'new' ? null : editing}
						permissions={perms.data ?? []}
						onDone={(changed) => { setEditing(null); if (changed) profiles.reload(); }} />
				)}
			</div>
		</section>
	);
}

function ProfileForm(p: { profile: Profile | null; permissions: Permission[]; onDone: (changed: boolean) => void }) {
	const pr = p.profile;
	const readOnly = pr?.editable === false;
	const [name, setName] = useState(pr?.name ?? '');
	const [description, setDescription] = useState(pr?.description ?? '');
	const [granted, setGranted] = useState<Set<string>>(new Set(pr?.permissions ?? []));
	const [busy, err, run] = useAction();

	async function submit(e: Event) {
		e.preventDefault();
		if (readOnly)
			return;
		await run(async () => {
			const body = { name: name.trim(), description: description.trim(), permissions: [...granted] };
			if (pr)
				await api.patch(`/security-profiles/${pr.id}`, body);
			else
				await api.post('/security-profiles', body);
			notifyOk(`Profile ${body.name} saved.`);
			p.onDone(true);
		});
	}

	async function remove() {
		if (!pr)
			return;
		await run(async () => {
			await api.del(`/security-profiles/${pr.id}`);
			notifyOk(`Profile ${pr.name} deleted.`);
			p.onDone(true);
		});
	}

	function toggle(v: string, on: boolean) {
		setGranted((s) => {
			const n = new Set(s);
			if (on)
				n.add(v);
			else
				n.delete(v);
			return n;
		});
	}

	const title = pr ? (readOnly ? `Profile ${pr.name}` : `Edit profile ${pr.name}`) : 'New profile';
	return (
		<form class="panel editor" id="profile-form" onSubmit={submit} aria-labelledby="h-profile-form"
			data-readonly={readOnly ? 'true' : 'false'} noValidate>
			<h2 id="h-profile-form">{title}</h2>
			{readOnly && <p class="note" id="profile-readonly">This built-in profile grants everything and cannot be changed.</p>}
			<fieldset class="plain" disabled={busy || readOnly}>
				<TextField id="profile-name" name="name" label="Name" value={name} onChange={setName} required
					error={fieldError(err, 'name')} />
				<TextField id="profile-description" name="description" label="Description" value={description}
					onChange={setDescription} error={fieldError(err, 'description')} />
				{fieldError(err, 'permissions') && <p class="field-error">{fieldError(err, 'permissions')}</p>}
				<div class="perm-groups">
					{groupPermissions(p.permissions).map(([g, list]) => (
						<CheckGroup key={g} legend={g} idPrefix="perm-"
							options={list.map((x) => ({ value: x.name, label: x.label || x.name }))}
							selected={granted} onToggle={toggle} disabled={readOnly} />
					))}
				</div>
				{!readOnly && (
					<FormActions>
						<button type="submit" id="profile-save" class="primary">{pr ? 'Save profile' : 'Create profile'}</button>
						<button type="button" id="profile-cancel" onClick={() => p.onDone(false)}>Cancel</button>
						{pr && !pr.builtin && (
							<ConfirmButton id="profile-delete" label="Delete profile" question={`Delete profile ${pr.name}?`}
								onConfirm={() => { void remove(); }} />
						)}
					</FormActions>
				)}
			</fieldset>
			{readOnly && (
				<FormActions>
					<button type="button" id="profile-cancel" onClick={() => p.onDone(false)}>Close</button>
				</FormActions>
			)}
		</form>
	);
}
