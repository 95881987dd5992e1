/*
 * Servers.tsx - the servers of the site (ids 1-99) and the roles each runs, plus the
 * web site's TLS certificate (PUT /tls/certificate, same permission).  Role names are the
 * ones the database accepts (migrations/0001_foundation.sql, servers_roles_known).
 */
import { useState } from 'preact/hooks';
import { api, fieldError, getAll } from '../api';
import { CheckGroup, FormActions, NumberField, TextArea, TextField } from '../components/Form';
import { ConfirmButton, Empty, Loading, PageHeader } from '../components/Widgets';
import { notifyOk } from '../notify';
import { formatTime, isObj, str, useAction, useAsync, type Json } from '../util';

interface Server {
	id: number;
	name: string;
	host?: string;
	roles?: string[];
}

const ROLES = [
	{ value: 'wcf', label: 'Core services' },
	{ value: 'database', label: 'Database' },
	{ value: 'licensing', label: 'Licensing' },
	{ value: 'website', label: 'Website' },
	{ value: 'gateway', label: 'Communications gateway' },
	{ value: 'cti-host', label: 'CTI host' },
	{ value: 'call-logging', label: 'Call logging / reporting' },
	{ value: 'realtime', label: 'Real-time reporting' },
	{ value: 'server-apps', label: 'Server applications' },
	{ value: 'mobile-gateway', label: 'Mobile gateway' },
	{ value: 'recording', label: 'Recording' },
	{ value: 'handset', label: 'Handset support (6900)' },
];

function roleLabel(r: string): string {
	return ROLES.find((x) => x.value === r)?.label ?? r;
}

export function ServersPage() {
	const list = useAsync(() => getAll<Server>('/servers'), []);
	const [editing, setEditing] = useState<Server | 'new' | null>(null);

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Servers">
				<button type="button" id="server-new" class="primary" onClick={() => setEditing('new')}>Add server</button>
			</PageHeader>
			<div class="split">
				<section class="panel" aria-label="Servers">
					{list.loading && !list.data ? <Loading what="servers" /> : !list.data?.length ? <Empty>No servers.</Empty> : (
						<div class="table-wrap">
							<table class="data" id="servers-table">
								<thead>
									<tr>
										<th scope="col">Id</th>
										<th scope="col">Name</th>
										<th scope="col">Host</th>
										<th scope="col">Roles</th>
										<th scope="col"><span class="sr-only">Actions</span></th>
									</tr>
								</thead>
								<tbody>
									{list.data.map((s) => (
										<tr key={s.id} data-server-id={s.id}
											class={editing !== 'new' && editing?.id === s.id ? 'selected' : ''}>
											<td class="num">{s.id}</td>
											<th scope="row">{s.name}</th>
											<td>{s.host ?? ''}</td>
											<td>{(s.roles ?? []).map(roleLabel).join(', ')}</td>
											<td class="actions">
												<button type="button" class="small" id={'server-edit-' + s.id} onClick={() => setEditing(s)}>
													Edit<span class="sr-only"> {s.name}</span>
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
					<ServerForm key={editing === 'new' ? 'new' : editing.id} server={editing === 'new' ? null : editing}
						taken={(list.data ?? []).map((s) => s.id)}
						onDone={(changed) => { setEditing(null); if (changed) list.reload(); }} />
				)}
			</div>
			<TlsForm />
		</section>
	);
}

function ServerForm(p: { server: Server | null; taken: number[]; onDone: (changed: boolean) => void }) {
	const s = p.server;
	const firstFree = (() => {
		for (let i = 1; i <= 99; i++)
			if (!p.taken.includes(i))
				return i;
		return null;
	})();
	const [id, setId] = useState<number | null>(s?.id ?? firstFree);
	const [name, setName] = useState(s?.name ?? '');
	const [host, setHost] = useState(s?.host ?? '');
	const [roles, setRoles] = useState<Set<string>>(new Set(s?.roles ?? ['wcf']));
	const [busy, err, run] = useAction();

	async function submit(e: Event) {
		e.preventDefault();
		await run(async () => {
			const body: Record<string, unknown> = { name: name.trim(), host: host.trim(), roles: [...roles] };
			if (s) {
				await api.patch(`/servers/${s.id}`, body);
			} else {
				body.id = id;
				await api.post('/servers', body);
			}
			notifyOk(`Server ${body.name} saved.`);
			p.onDone(true);
		});
	}

	async function remove() {
		if (!s)
			return;
		await run(async () => {
			await api.del(`/servers/${s.id}`);
			notifyOk(`Server ${s.name} removed.`);
			p.onDone(true);
		});
	}

	return (
		<form class="panel editor" id="server-form" onSubmit={submit} aria-labelledby="h-server-form" noValidate>
			<h2 id="h-server-form">{s ? `Edit server ${s.name}` : 'Add server'}</h2>
			<fieldset class="plain" disabled={busy}>
				<NumberField id="server-id" name="id" label="Server id (1–99)" value={id} onChange={setId} min={1} max={99}
					required disabled={!!s} error={fieldError(err, 'id')} />
				<TextField id="server-name" name="name" label="Name" value={name} onChange={setName} required
					error={fieldError(err, 'name')} />
				<TextField id="server-host" name="host" label="Host name or IP address" value={host} onChange={setHost}
					hint="Use a static address." error={fieldError(err, 'host')} />
				<CheckGroup legend="Roles" idPrefix="server-role-" columns options={ROLES} selected={roles}
					onToggle={(v, on) => setRoles((r) => {
						const n = new Set(r);
						if (on)
							n.add(v);
						else
							n.delete(v);
						return n;
					})} />
				{fieldError(err, 'roles') && <p class="field-error">{fieldError(err, 'roles')}</p>}
				<FormActions>
					<button type="submit" id="server-save" class="primary">{s ? 'Save server' : 'Add server'}</button>
					<button type="button" id="server-cancel" onClick={() => p.onDone(false)}>Cancel</button>
					{s && (
						<ConfirmButton id="server-delete" label="Remove server" question={`Remove server ${s.name}?`}
							onConfirm={() => { void remove(); }} />
					)}
				</FormActions>
			</fieldset>
		</form>
	);
}

function TlsForm() {
	const [cert, setCert] = useState('');
	const [key, setKey] = useState('');
	const [busy, err, run] = useAction();
	// GET /tls/certificate: the installed one (404 when HTTPS is off: not an error here).
	const info = useAsync(() => api.get<Json>('/tls/certificate', undefined, { quiet: true }).catch(() => null), []);
	const i = isObj(info.data) ? info.data : null;

	async function submit(e: Event) {
		e.preventDefault();
		await run(async () => {
			const a = await api.put<Json | null>('/tls/certificate', { certificate_pem: cert, key_pem: key });
			setCert('');
			setKey('');
			if (isObj(a))
				info.setData(a);
			notifyOk('Certificate installed.' + (isObj(a) && a.restart_required ? ' It is served after the gateway restarts.' : ''));
		});
	}

	return (
		<form class="panel" id="tls-form" onSubmit={submit} aria-labelledby="h-tls" noValidate>
			<h2 id="h-tls">Web site certificate</h2>
			{i && (
				<dl class="facts" id="tls-info">
					{str(i, 'subject') && <><dt>Subject</dt><dd>{str(i, 'subject')}</dd></>}
					{str(i, 'not_after') && <><dt>Valid until</dt><dd>{formatTime(i.not_after)}</dd></>}
					{str(i, 'sha256') && <><dt>SHA-256</dt><dd class="mono fingerprint">{str(i, 'sha256')}</dd></>}
					{i.restart_required === true && <><dt>Note</dt><dd>A restart of the gateway is needed to serve it.</dd></>}
				</dl>
			)}
			<p class="muted">Paste a PEM certificate (with its chain) and its private key. The key is never shown again.</p>
			<fieldset class="plain" disabled={busy}>
				<div class="form-grid">
					<TextArea id="tls-cert" name="certificate_pem" label="Certificate (PEM)" value={cert} onChange={setCert}
						rows={6} spellcheck={false} placeholder="-----BEGIN CERTIFICATE-----" error={fieldError(err, 'certificate_pem')} />
					<TextArea id="tls-key" name="key_pem" label="Private key (PEM)" value={key} onChange={setKey}
						rows={6} spellcheck={false} placeholder="-----BEGIN PRIVATE KEY-----" error={fieldError(err, 'key_pem')} />
				</div>
				<FormActions>
					<button type="submit" id="tls-save" disabled={!cert.trim() || !key.trim()}>Install certificate</button>
				</FormActions>
			</fieldset>
		</form>
	);
}
