/*
 * Profiles.tsx - Security Profiles: a name, a description and the permissions it grants,
 * shown as checkboxes grouped as GET /permissions groups them.  A profile with
 * editable = false (the built-in Admin) is shown read-only; built-in profiles cannot be
 * deleted.
 */
import { useState } from 'preact/hooks';
import { fieldError, getAll } from '../api';
import { CrudForm, CrudPage, type CrudSpec, type FormSlot } from '../components/CrudPage';
import { CheckGroup, TextField } from '../components/Form';
import { toggled, useAsync } from '../util';

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

const SPEC: CrudSpec = { path: '/security-profiles', entity: 'profile', noun: 'Profile', word: 'profile',
	newLabel: 'New profile' };

export function ProfilesPage() {
	const perms = useAsync(() => getAll<Permission>('/permissions'), []);
	return (
		<CrudPage<Profile> spec={SPEC} title="Security Profiles" listLabel="Security profiles"
			editLabel={(pr) => (pr.editable === false ? 'View' : 'Edit')}
			columns={[
				{ head: 'Name', rowHeader: true, cell: (pr) => <>{pr.name}{pr.description && <div class="muted small-text">{pr.description}</div>}</> },
				{ head: 'Kind', cell: (pr) => (pr.builtin ? (pr.editable === false ? 'Built-in, read-only' : 'Built-in') : 'Custom') },
				{ head: 'Permissions', class: 'num', cell: (pr) => pr.permissions?.length ?? '' },
			]}
			form={(f) => <ProfileForm {...f} permissions={perms.data ?? []} />} />
	);
}

function ProfileForm(p: FormSlot<Profile> & { permissions: Permission[] }) {
	const pr = p.record;
	const readOnly = pr?.editable === false;
	const [name, setName] = useState(pr?.name ?? '');
	const [description, setDescription] = useState(pr?.description ?? '');
	const [granted, setGranted] = useState<Set<string>>(new Set(pr?.permissions ?? []));

	return (
		<CrudForm spec={SPEC} record={pr} onDone={p.onDone}
			body={() => ({ name: name.trim(), description: description.trim(), permissions: [...granted] })}
			title={pr && readOnly ? `Profile ${pr.name}` : undefined}
			readOnly={readOnly && <p class="note" id="profile-readonly">This built-in profile grants everything and cannot be changed.</p>}>
			{(err) => <>
				<TextField id="profile-name" name="name" label="Name" value={name} onChange={setName} required
					error={fieldError(err, 'name')} />
				<TextField id="profile-description" name="description" label="Description" value={description}
					onChange={setDescription} error={fieldError(err, 'description')} />
				{fieldError(err, 'permissions') && <p class="field-error">{fieldError(err, 'permissions')}</p>}
				<div class="perm-groups">
					{groupPermissions(p.permissions).map(([g, list]) => (
						<CheckGroup key={g} legend={g} idPrefix="perm-"
							options={list.map((x) => ({ value: x.name, label: x.label || x.name }))}
							selected={granted} onToggle={(v, on) => setGranted((s) => toggled(s, v, on))} disabled={readOnly} />
					))}
				</div>
			</>}
		</CrudForm>
	);
}
