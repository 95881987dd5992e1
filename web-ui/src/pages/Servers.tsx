/*
 * Servers.tsx - the servers of the site (ids 1-99) and the roles each runs, plus the
 * web site's TLS certificate (PUT /tls/certificate, same permission).  Role names are the
 * ones the database accepts (migrations/0001_foundation.sql, servers_roles_known).
 */
import { useState } from 'preact/hooks';
import { api, fieldError } from '../api';
import { CrudForm, CrudPage, type CrudSpec, type FormSlot } from '../components/CrudPage';
import { CheckGroup, FormActions, NumberField, TextArea, TextField } from '../components/Form';
import { notifyOk } from '../notify';
import { formatTime, isObj, str, toggled, useAction, useAsync, type Json } from '../util';

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

const SPEC: CrudSpec = { path: '/servers', entity: 'server', noun: 'Server', word: 'server', newLabel: 'Add server',
	add: true, remove: true };

export function ServersPage() {
	return (
		<CrudPage<Server> spec={SPEC} title="Servers" listLabel="Servers" after={<TlsForm />}
			columns={[
				{ head: 'Id', class: 'num', cell: (s) => s.id },
				{ head: 'Name', rowHeader: true, cell: (s) => s.name },
				{ head: 'Host', cell: (s) => s.host ?? '' },
				{ head: 'Roles', cell: (s) => (s.roles ?? []).map(roleLabel).join(', ') },
			]}
			form={(f) => <ServerForm {...f} />} />
	);
}

function ServerForm(p: FormSlot<Server>) {
	const s = p.record;
	const firstFree = (() => {
		for (let i = 1; i <= 99; i++)
			if (!p.list.some((x) => x.id === i))
				return i;
		return null;
	})();
	const [id, setId] = useState<number | null>(s?.id ?? firstFree);
	const [name, setName] = useState(s?.name ?? '');
	const [host, setHost] = useState(s?.host ?? '');
	const [roles, setRoles] = useState<Set<string>>(new Set(s?.roles ?? ['wcf']));

	const body = () => ({ name: name.trim(), host: host.trim(), roles: [...roles], ...(s ? {} : { id }) });
	return (
		<CrudForm spec={SPEC} record={s} onDone={p.onDone} body={body}>
			{(err) => <>
				<NumberField id="server-id" name="id" label="Server id (1–99)" value={id} onChange={setId} min={1} max={99}
					required disabled={!!s} error={fieldError(err, 'id')} />
				<TextField id="server-name" name="name" label="Name" value={name} onChange={setName} required
					error={fieldError(err, 'name')} />
				<TextField id="server-host" name="host" label="Host name or IP address" value={host} onChange={setHost}
					hint="Use a static address." error={fieldError(err, 'host')} />
				<CheckGroup legend="Roles" idPrefix="server-role-" columns options={ROLES} selected={roles}
					onToggle={(v, on) => setRoles((r) => toggled(r, v, on))} />
				{fieldError(err, 'roles') && <p class="field-error">{fieldError(err, 'roles')}</p>}
			</>}
		</CrudForm>
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
