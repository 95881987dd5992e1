/*
 * Users.tsx - Users & Business Units (manual H; API.md "Security model").
 *
 * Left: the business unit tree (Tree.tsx) and the selected unit's actions: add a child
 * unit or a top-level one, rename / move / OU link, delete (only when it has no users and
 * no child units, as the gateway insists).  Right: the users of the selected unit, and the
 * user form.  The system units "Unassigned Users" and "Deleted Users" cannot be edited;
 * deleting a user moves it to Deleted Users (soft delete), deleting it there removes it
 * for good (?permanent=true).
 *
 * Extensions and agents are edited as a primary number plus a comma list of secondary
 * ones, sent as [{number, primary}].
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, fieldError, getAll } from '../api';
import { CheckField, FormActions, SelectField, TextField, type Option } from '../components/Form';
import { Tree, type TreeNode } from '../components/Tree';
import { ConfirmButton, Empty, Loading, PageHeader } from '../components/Widgets';
import { notifyOk } from '../notify';
import { isObj, splitList, str, useAction, useAsync } from '../util';

export interface BusinessUnit {
	id: number;
	name: string;
	parent_id: number | null;
	kind: 'normal' | 'unassigned' | 'deleted';
	ou_link?: string;
	user_count?: number;
}

interface DeviceRef {
	number: string;
	primary?: boolean;
}

interface UserRow {
	id: number;
	username: string;
	first_name?: string;
	last_name?: string;
	display_name?: string;
	email?: string | null;
	business_unit_id?: number;
	role_id?: number | null;
	role?: string | null;
	enabled?: boolean;
	builtin?: boolean;
	locked?: boolean;
	must_change_password?: boolean;
	extensions?: Array<DeviceRef | string>;
	agents?: Array<DeviceRef | string>;
}

interface RoleRef {
	id: number;
	name: string;
}

/* [{number, primary}] or ["1001"] -> primary number and the others. */
function splitDevices(list: unknown): { primary: string; secondary: string[] } {
	let primary = '';
	const secondary: string[] = [];
	if (!Array.isArray(list))
		return { primary, secondary };
	for (const d of list) {
		const number = typeof d === 'string' || typeof d === 'number' ? String(d) : isObj(d) ? str(d, 'number', 'device', 'agent_id') : '';
		if (!number)
			continue;
		if (isObj(d) && (d.primary === true || d.is_primary === true) && !primary)
			primary = number;
		else
			secondary.push(number);
	}
	if (!primary && secondary.length && !list.some((d) => isObj(d)))
		primary = secondary.shift() ?? '';
	return { primary, secondary };
}

function joinDevices(primary: string, secondary: string): DeviceRef[] {
	const out: DeviceRef[] = [];
	const p = primary.trim();
	if (p)
		out.push({ number: p, primary: true });
	for (const n of splitList(secondary))
		if (n !== p && !out.some((d) => d.number === n))
			out.push({ number: n, primary: false });
	return out;
}

function deviceText(list: unknown): string {
	const { primary, secondary } = splitDevices(list);
	return [primary ? primary + (secondary.length ? ' (primary)' : '') : '', ...secondary].filter(Boolean).join(', ');
}

function accountState(u: UserRow): string {
	return [u.enabled === false ? 'Disabled' : 'Enabled', u.locked ? 'locked' : '',
		u.must_change_password ? 'must change password' : '', u.builtin ? 'built-in' : '']
		.filter(Boolean).join(', ');
}

/* GET /users gives role_id only: the name comes from GET /roles (undefined while it loads,
 * null when the user may not list roles: config.security). */
function roleName(u: UserRow, roles: RoleRef[] | null | undefined): string {
	if (u.role_id === null || u.role_id === undefined)
		return u.role ?? '';
	const known = roles?.find((r) => r.id === u.role_id)?.name ?? u.role;
	return known ?? (roles === undefined ? '' : `Role ${u.role_id}`);
}

function userName(u: UserRow): string {
	return u.display_name || [u.first_name, u.last_name].filter(Boolean).join(' ');
}

/* Units -> tree nodes: children sorted by name, the system units last. */
function buildTree(units: BusinessUnit[]): TreeNode[] {
	const kids = new Map<number | null, BusinessUnit[]>();
	const ids = new Set(units.map((u) => u.id));
	for (const u of units) {
		const parent = u.parent_id !== null && ids.has(u.parent_id) ? u.parent_id : null;
		const list = kids.get(parent) ?? [];
		list.push(u);
		kids.set(parent, list);
	}
	const order = (u: BusinessUnit) => (u.kind === 'normal' ? 0 : u.kind === 'unassigned' ? 1 : 2);
	const make = (parent: number | null): TreeNode[] =>
		(kids.get(parent) ?? [])
			.sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name))
			.map((u) => ({
				id: String(u.id),
				label: u.name,
				kind: u.kind,
				badge: u.user_count !== undefined ? String(u.user_count) : undefined,
				children: make(u.id),
			}));
	return make(null);
}

function descendants(units: BusinessUnit[], id: number): Set<number> {
	const out = new Set<number>([id]);
	let grew = true;
	while (grew) {
		grew = false;
		for (const u of units)
			if (u.parent_id !== null && out.has(u.parent_id) && !out.has(u.id)) {
				out.add(u.id);
				grew = true;
			}
	}
	return out;
}

export function UsersPage() {
	const units = useAsync(() => getAll<BusinessUnit>('/business-units'), []);
	const roles = useAsync(() => getAll<RoleRef>('/roles', undefined, { quiet: true }).catch(() => null), []);
	const [selected, setSelected] = useState<number | null>(null);
	const [expanded, setExpanded] = useState<Set<string>>(new Set());
	const [editing, setEditing] = useState<{ id: number | null } | null>(null);
	const [search, setSearch] = useState('');

	const list = units.data ?? [];
	const unit = list.find((u) => u.id === selected) ?? null;

	// Select the first unit once the list arrives; expand the top level.
	useEffect(() => {
		if (!units.data)
			return;
		if (selected === null || !units.data.some((u) => u.id === selected)) {
			const first = buildTree(units.data)[0];
			setSelected(first ? Number(first.id) : null);
		}
		setExpanded((e) => {
			if (e.size)
				return e;
			return new Set(units.data!.filter((u) => u.parent_id === null).map((u) => String(u.id)));
		});
	}, [units.data]);

	// Deleted users are listed only when asked for (deleted=true), i.e. in Deleted Users.
	const deletedUnit = unit?.kind === 'deleted';
	const users = useAsync(async () => {
		if (selected === null)
			return [] as UserRow[];
		const all = await getAll<UserRow>('/users', { business_unit_id: selected, deleted: deletedUnit || undefined });
		return all.filter((u) => u.business_unit_id === undefined || u.business_unit_id === selected);
	}, [selected, deletedUnit]);

	const tree = useMemo(() => buildTree(list), [list]);

	function toggle(id: string, open: boolean) {
		setExpanded((e) => {
			const n = new Set(e);
			if (open)
				n.add(id);
			else
				n.delete(id);
			return n;
		});
	}

	function expandAll(open: boolean) {
		setExpanded(open ? new Set(list.map((u) => String(u.id))) : new Set());
	}

	function afterUserChange() {
		users.reload();
		units.reload();
	}

	const q = search.trim().toLowerCase();
	const shown = (users.data ?? []).filter((u) => !q ||
	    [u.username, u.first_name, u.last_name, u.display_name, u.email, deviceText(u.extensions), deviceText(u.agents)]
		.some((x) => (x ?? '').toLowerCase().includes(q)));

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Users & Business Units">
				<button type="button" id="user-new" class="primary" disabled={!unit || unit.kind === 'deleted'}
					onClick={() => setEditing({ id: null })}>
					New user
				</button>
			</PageHeader>
			<div class="split narrow-left">
				<section class="panel" aria-labelledby="h-bu">
					<h2 id="h-bu">Business units</h2>
					<div class="toolbar">
						<button type="button" class="small" id="bu-expand-all" onClick={() => expandAll(true)}>Expand all</button>
						<button type="button" class="small" id="bu-collapse-all" onClick={() => expandAll(false)}>Collapse all</button>
					</div>
					{units.loading && !units.data ? <Loading what="business units" /> : (
						<Tree label="Business units" nodes={tree} selected={selected === null ? null : String(selected)}
							expanded={expanded} onToggle={toggle} nodeAttr="data-bu-id" idPrefix="bu-node-"
							onSelect={(id) => { setSelected(Number(id)); setEditing(null); }} />
					)}
					{unit && (
						<UnitActions key={unit.id} unit={unit} units={list}
							onChanged={(sel, expandId) => {
								units.reload();
								if (sel !== undefined)
									setSelected(sel);
								if (expandId !== undefined)
									toggle(String(expandId), true);
							}} />
					)}
				</section>

				<section class="panel" aria-labelledby="h-users">
					<h2 id="h-users">Users{unit ? ` in ${unit.name}` : ''}</h2>
					<div class="toolbar">
						<div class="field inline">
							<label for="user-search">Find user</label>
							<input id="user-search" type="search" value={search}
								onInput={(e) => setSearch(e.currentTarget.value)}
								placeholder="Name, username, extension" />
						</div>
					</div>
					{users.loading && !users.data ? <Loading what="users" /> : shown.length === 0 ? <Empty>No users here.</Empty> : (
						<div class="table-wrap">
							<table class="data" id="users-table">
								<thead>
									<tr>
										<th scope="col">Username</th>
										<th scope="col">Name</th>
										<th scope="col">Role</th>
										<th scope="col">Extensions</th>
										<th scope="col"><span class="sr-only">Actions</span></th>
									</tr>
								</thead>
								<tbody>
									{shown.map((u) => (
										<tr key={u.id} data-user-id={u.id} data-username={u.username}
											class={editing?.id === u.id ? 'selected' : ''}>
											<th scope="row">{u.username}<div class="muted small-text">{accountState(u)}</div></th>
											<td>{userName(u)}</td>
											<td>{roleName(u, roles.data)}</td>
											<td>{deviceText(u.extensions)}</td>
											<td class="actions">
												{unit?.kind !== 'deleted' && (
													<button type="button" class="small" id={'user-edit-' + u.id}
														onClick={() => setEditing({ id: u.id })}>
														Edit<span class="sr-only"> {u.username}</span>
													</button>
												)}
												{!u.builtin && <ConfirmButton id={'user-delete-' + u.id} class="small danger"
													label={unit?.kind === 'deleted' ? 'Delete permanently' : 'Delete'}
													question={unit?.kind === 'deleted' ? `Remove ${u.username} for good?` : `Move ${u.username} to Deleted Users?`}
													onConfirm={() => {
														void api.del(`/users/${u.id}`, unit?.kind === 'deleted' ? { permanent: true } : undefined)
															.then(() => {
																notifyOk(`User ${u.username} deleted.`);
																if (editing?.id === u.id)
																	setEditing(null);
																afterUserChange();
															}, () => undefined);
													}} />}
											</td>
										</tr>
									))}
								</tbody>
							</table>
						</div>
					)}

					{editing && (
						<UserForm key={editing.id ?? 'new'} id={editing.id} units={list}
							roles={roles.data ?? null} defaultUnit={unit && unit.kind !== 'deleted' ? unit.id : undefined}
							onDone={(saved) => {
								setEditing(null);
								if (saved)
									afterUserChange();
							}} />
					)}
				</section>
			</div>
		</section>
	);
}

function UnitActions(p: { unit: BusinessUnit; units: BusinessUnit[];
    onChanged: (select?: number, expand?: number) => void }) {
	const u = p.unit;
	const system = u.kind !== 'normal';
	const [name, setName] = useState(u.name);
	const [ou, setOu] = useState(u.ou_link ?? '');
	const [parent, setParent] = useState(u.parent_id === null ? '' : String(u.parent_id));
	const [newName, setNewName] = useState('');
	const [busy, err, run] = useAction();

	const hasChildren = p.units.some((x) => x.parent_id === u.id);
	const empty = (u.user_count ?? 0) === 0 && !hasChildren;
	const banned = descendants(p.units, u.id);
	const parentOptions: Option[] = [{ value: '', label: '(top level)' },
		...p.units.filter((x) => x.kind === 'normal' && !banned.has(x.id))
			.map((x) => ({ value: String(x.id), label: x.name }))];

	async function save(e: Event) {
		e.preventDefault();
		await run(async () => {
			await api.patch(`/business-units/${u.id}`, {
				name: name.trim(), ou_link: ou.trim(), parent_id: parent === '' ? null : Number(parent),
			});
			notifyOk(`Business unit ${name.trim()} saved.`);
			p.onChanged();
		});
	}

	async function create(parentId: number | null) {
		const n = newName.trim();
		if (!n)
			return;
		await run(async () => {
			const made = await api.post<BusinessUnit | null>('/business-units', { name: n, parent_id: parentId });
			notifyOk(`Business unit ${n} created.`);
			setNewName('');
			p.onChanged(made && typeof made.id === 'number' ? made.id : undefined, parentId ?? undefined);
		});
	}

	async function remove() {
		await run(async () => {
			await api.del(`/business-units/${u.id}`);
			notifyOk(`Business unit ${u.name} deleted.`);
			p.onChanged(u.parent_id ?? undefined);
		});
	}

	return (
		<div class="unit-actions">
			<form onSubmit={save} aria-labelledby="h-bu-edit">
				<h3 id="h-bu-edit">Selected unit</h3>
				{system && <p class="muted">“{u.name}” is a system unit: it cannot be renamed, moved or deleted.</p>}
				<fieldset disabled={system || busy} class="plain">
					<TextField id="bu-name" name="name" label="Name" value={name} onChange={setName} required
						error={fieldError(err, 'name')} />
					<TextField id="bu-ou-link" name="ou_link" label="OU link" value={ou} onChange={setOu}
						placeholder="OU=Sales,DC=example,DC=com" error={fieldError(err, 'ou_link')}
						hint="Active Directory OU whose new users land in this unit (optional)." />
					<SelectField id="bu-parent" name="parent_id" label="Parent unit" value={parent}
						options={parentOptions} onChange={setParent} error={fieldError(err, 'parent_id')} />
					<FormActions>
						<button type="submit" id="bu-save">Save unit</button>
						<ConfirmButton id="bu-delete" label="Delete unit" question={`Delete ${u.name}?`}
							disabled={system || !empty || busy} onConfirm={() => { void remove(); }}
							title={empty ? undefined : 'Only an empty unit (no users, no sub-units) can be deleted'} />
					</FormActions>
					{!system && !empty && <p class="hint">Only a unit with no users and no sub-units can be deleted.</p>}
				</fieldset>
			</form>
			<form onSubmit={(e) => { e.preventDefault(); void create(system ? null : u.id); }} aria-labelledby="h-bu-new">
				<h3 id="h-bu-new">New unit</h3>
				<TextField id="bu-new-name" name="new_name" label="Name of the new unit" value={newName}
					onChange={setNewName} />
				<FormActions>
					<button type="submit" id="bu-create" disabled={busy || !newName.trim() || system}>
						Add under {u.name}
					</button>
					<button type="button" id="bu-create-root" disabled={busy || !newName.trim()}
						onClick={() => { void create(null); }}>
						Add at top level
					</button>
				</FormActions>
			</form>
		</div>
	);
}

interface UserDraft {
	username: string;
	first_name: string;
	last_name: string;
	display_name: string;
	email: string;
	business_unit_id: string;
	role_id: string;
	enabled: boolean;
	password: string;
	extPrimary: string;
	extSecondary: string;
	agentPrimary: string;
	agentSecondary: string;
	unlock: boolean;
}

function draftOf(u: UserRow | null, defaultUnit?: number): UserDraft {
	const ext = splitDevices(u?.extensions);
	const ag = splitDevices(u?.agents);
	return {
		username: u?.username ?? '',
		first_name: u?.first_name ?? '',
		last_name: u?.last_name ?? '',
		display_name: u?.display_name ?? '',
		email: u?.email ?? '',
		business_unit_id: String(u?.business_unit_id ?? defaultUnit ?? ''),
		role_id: u?.role_id === null || u?.role_id === undefined ? '' : String(u.role_id),
		enabled: u?.enabled ?? true,
		password: '',
		extPrimary: ext.primary,
		extSecondary: ext.secondary.join(', '),
		agentPrimary: ag.primary,
		agentSecondary: ag.secondary.join(', '),
		unlock: false,
	};
}

function UserForm(p: { id: number | null; units: BusinessUnit[]; roles: RoleRef[] | null;
    defaultUnit?: number; onDone: (saved: boolean) => void }) {
	const isNew = p.id === null;
	const loaded = useAsync(() => (isNew ? Promise.resolve(null) : api.get<UserRow>(`/users/${p.id}`)), [p.id]);
	const [d, setD] = useState<UserDraft>(draftOf(null, p.defaultUnit));
	const [busy, err, run] = useAction();

	useEffect(() => {
		if (loaded.data)
			setD(draftOf(loaded.data));
	}, [loaded.data]);

	const set = <K extends keyof UserDraft>(k: K) => (v: UserDraft[K]) => setD((x) => ({ ...x, [k]: v }));
	const builtin = !isNew && !!loaded.data?.builtin;

	const unitOptions: Option[] = p.units.filter((u) => u.kind !== 'deleted')
		.map((u) => ({ value: String(u.id), label: u.name }));
	let roleOptions: Option[] = [{ value: '', label: '(no role: no web log-in)' }];
	if (p.roles)
		roleOptions = roleOptions.concat(p.roles.map((r) => ({ value: String(r.id), label: r.name })));
	else if (d.role_id)
		roleOptions.push({ value: d.role_id, label: loaded.data?.role ?? `Role ${d.role_id}` });

	async function submit(e: Event) {
		e.preventDefault();
		await run(async () => {
			const body: Record<string, unknown> = {
				username: d.username.trim(),
				first_name: d.first_name.trim(),
				last_name: d.last_name.trim(),
				display_name: d.display_name.trim(),
				email: d.email.trim(),
				business_unit_id: d.business_unit_id ? Number(d.business_unit_id) : undefined,
				role_id: d.role_id ? Number(d.role_id) : null,
				enabled: d.enabled,
				extensions: joinDevices(d.extPrimary, d.extSecondary),
				agents: joinDevices(d.agentPrimary, d.agentSecondary),
			};
			if (isNew) {
				if (!body.display_name)
					delete body.display_name;
				if (d.password)
					body.password = d.password;
				await api.post('/users', body);
				notifyOk(`User ${body.username} created.`);
			} else {
				if (builtin) {
					// The gateway keeps a built-in account's name, role and enabled flag.
					delete body.username;
					delete body.role_id;
					delete body.enabled;
				}
				if (d.unlock)
					body.unlock = true;
				await api.patch(`/users/${p.id}`, body);
				if (d.password)
					await api.post(`/users/${p.id}/reset-password`, { new_password: d.password });
				notifyOk(`User ${body.username} saved.` + (d.password ? ' They must change the password at next log-in.' : ''));
			}
			p.onDone(true);
		});
	}

	if (!isNew && loaded.loading && !loaded.data)
		return <Loading what="user" />;

	return (
		<form class="editor" id="user-form" onSubmit={submit} aria-labelledby="h-user-form" noValidate>
			<h3 id="h-user-form">{isNew ? 'New user' : `Edit user ${loaded.data?.username ?? ''}`}</h3>
			<fieldset disabled={busy} class="plain">
				<div class="form-grid">
					<TextField id="user-username" name="username" label="Username" value={d.username}
						onChange={set('username')} required autoComplete="off" error={fieldError(err, 'username')}
						disabled={builtin} hint={builtin ? 'Built-in account: the name, role and enabled flag stay.' : undefined} />
					<TextField id="user-email" name="email" label="Email" type="email" value={d.email}
						onChange={set('email')} autoComplete="off" error={fieldError(err, 'email')} />
					<TextField id="user-first-name" name="first_name" label="First name" value={d.first_name}
						onChange={set('first_name')} error={fieldError(err, 'first_name')} />
					<TextField id="user-last-name" name="last_name" label="Last name" value={d.last_name}
						onChange={set('last_name')} error={fieldError(err, 'last_name')} />
					<TextField id="user-display-name" name="display_name" label="Display name" value={d.display_name}
						onChange={set('display_name')} hint="Blank: first and last name." error={fieldError(err, 'display_name')} />
					<SelectField id="user-bu" name="business_unit_id" label="Business unit" value={d.business_unit_id}
						options={unitOptions} onChange={set('business_unit_id')} error={fieldError(err, 'business_unit_id')} />
					<SelectField id="user-role" name="role_id" label="Role" value={d.role_id} options={roleOptions}
						onChange={set('role_id')} disabled={!p.roles || builtin} error={fieldError(err, 'role_id')}
						hint={p.roles ? undefined : 'Roles need the Security permission to list.'} />
					<TextField id="user-password" name="password" label={isNew ? 'Password' : 'New password'}
						type="password" value={d.password} onChange={set('password')} autoComplete="new-password"
						required={isNew}
						hint={isNew ? 'The user must change it at first log-in.' : 'Blank: unchanged. A new one must be changed at next log-in.'}
						error={fieldError(err, 'password') ?? fieldError(err, 'new_password')} />
					<TextField id="user-ext-primary" name="extension_primary" label="Primary extension"
						value={d.extPrimary} onChange={set('extPrimary')} inputMode="numeric" error={fieldError(err, 'extensions')} />
					<TextField id="user-ext-secondary" name="extensions" label="Secondary extensions"
						value={d.extSecondary} onChange={set('extSecondary')} hint="Comma-separated, e.g. 1002, 1003" />
					<TextField id="user-agent-primary" name="agent_primary" label="Primary agent ID"
						value={d.agentPrimary} onChange={set('agentPrimary')} inputMode="numeric" error={fieldError(err, 'agents')} />
					<TextField id="user-agent-secondary" name="agents" label="Secondary agent IDs"
						value={d.agentSecondary} onChange={set('agentSecondary')} hint="Comma-separated" />
				</div>
				<CheckField id="user-enabled" name="enabled" label="Enabled (a disabled user cannot log in)"
					checked={d.enabled} onChange={set('enabled')} disabled={builtin} />
				{!isNew && loaded.data?.locked && (
					<CheckField id="user-unlock" name="unlock" label="Unlock the account (it is locked after failed log-ins)"
						checked={d.unlock} onChange={set('unlock')} />
				)}
				<FormActions>
					<button type="submit" id="user-save" class="primary">{isNew ? 'Create user' : 'Save user'}</button>
					<button type="button" id="user-cancel" onClick={() => p.onDone(false)}>Cancel</button>
				</FormActions>
			</fieldset>
		</form>
	);
}

