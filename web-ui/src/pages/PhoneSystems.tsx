/*
 * PhoneSystems.tsx - the PBX the site talks to (manual C): type, name, host, OAI port
 * (default 4000) and password.  The password is write-only: the form never shows it,
 * sends it only when something was typed, and says whether one is set when the answer
 * tells (has_password / password_set).
 */
import { useState } from 'preact/hooks';
import { api, fieldError, getAll } from '../api';
import { CheckField, FormActions, NumberField, SelectField, TextField } from '../components/Form';
import { ConfirmButton, Empty, Loading, PageHeader } from '../components/Widgets';
import { notifyOk } from '../notify';
import { formatTime, useAction, useAsync } from '../util';

interface PhoneSystem {
	id: number;
	type?: string;
	name: string;
	host: string;
	port?: number;
	enabled?: boolean;
	has_password?: boolean;
	password_set?: boolean;
	ct_gateway?: boolean | null;
	protocol_version?: string | null;
	software_version?: string | null;
	last_import_at?: string | null;
	state?: string;
	link_state?: string;
}

// The gateway answers the type by its name and accepts the name or 'mivoice-office-250'.
const TYPES = [{ value: 'MiVoice Office 250', label: 'MiVoice Office 250' }];

export function PhoneSystemsPage() {
	const list = useAsync(() => getAll<PhoneSystem>('/phone-systems'), []);
	const [editing, setEditing] = useState<PhoneSystem | 'new' | null>(null);

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Phone Systems">
				<button type="button" id="ps-new" class="primary" onClick={() => setEditing('new')}>Add phone system</button>
				<a href="#/devices" class="button-link" id="ps-devices">Devices…</a>
			</PageHeader>
			<div class="split">
				<section class="panel" aria-label="Phone systems">
					{list.loading && !list.data ? <Loading what="phone systems" /> : !list.data?.length ? <Empty>No phone system yet.</Empty> : (
						<div class="table-wrap">
							<table class="data" id="phone-systems-table">
								<thead>
									<tr>
										<th scope="col">Name</th>
										<th scope="col">Host</th>
										<th scope="col">Version</th>
										<th scope="col">Last import</th>
										<th scope="col"><span class="sr-only">Actions</span></th>
									</tr>
								</thead>
								<tbody>
									{list.data.map((s) => (
										<tr key={s.id} data-phone-system-id={s.id}
											class={editing !== 'new' && editing?.id === s.id ? 'selected' : ''}>
											<th scope="row">{s.name}{s.enabled === false && <span class="muted"> (disabled)</span>}</th>
											<td>{s.host}{s.port ? ':' + s.port : ''}{s.ct_gateway ? ' (CT Gateway)' : ''}</td>
											<td>{s.software_version ?? ''}</td>
											<td>{formatTime(s.last_import_at)}</td>
											<td class="actions">
												<button type="button" class="small" id={'ps-edit-' + s.id} onClick={() => setEditing(s)}>
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
					<PhoneSystemForm key={editing === 'new' ? 'new' : editing.id} ps={editing === 'new' ? null : editing}
						onDone={(changed) => { setEditing(null); if (changed) list.reload(); }} />
				)}
			</div>
		</section>
	);
}

function PhoneSystemForm(p: { ps: PhoneSystem | null; onDone: (changed: boolean) => void }) {
	const s = p.ps;
	const [type, setType] = useState(s?.type && s.type !== 'mivoice-office-250' ? s.type : TYPES[0].value);
	const [name, setName] = useState(s?.name ?? 'PBX');
	const [host, setHost] = useState(s?.host ?? '');
	const [port, setPort] = useState<number | null>(s?.port ?? 4000);
	const [password, setPassword] = useState('');
	const [enabled, setEnabled] = useState(s?.enabled ?? true);
	const [busy, err, run] = useAction();
	const hasPassword = s?.has_password ?? s?.password_set;

	async function submit(e: Event) {
		e.preventDefault();
		await run(async () => {
			const body: Record<string, unknown> = { type, name: name.trim(), host: host.trim(), port: port ?? 4000, enabled };
			if (password)
				body.password = password;
			if (s)
				await api.patch(`/phone-systems/${s.id}`, body);
			else
				await api.post('/phone-systems', body);
			notifyOk(`Phone system ${body.name} saved.`);
			p.onDone(true);
		});
	}

	async function remove() {
		if (!s)
			return;
		await run(async () => {
			await api.del(`/phone-systems/${s.id}`);
			notifyOk(`Phone system ${s.name} deleted.`);
			p.onDone(true);
		});
	}

	const typeOptions = TYPES.some((t) => t.value === type) ? TYPES : [...TYPES, { value: type, label: type }];
	return (
		<form class="panel editor" id="ps-form" onSubmit={submit} aria-labelledby="h-ps-form" noValidate>
			<h2 id="h-ps-form">{s ? `Edit ${s.name}` : 'Add phone system'}</h2>
			<fieldset class="plain" disabled={busy}>
				<SelectField id="ps-type" name="type" label="Type" value={type} options={typeOptions} onChange={setType}
					error={fieldError(err, 'type')} />
				<TextField id="ps-name" name="name" label="Name" value={name} onChange={setName} required
					error={fieldError(err, 'name')} />
				<TextField id="ps-host" name="host" label="Host" value={host} onChange={setHost} required
					hint="IP address or host name of the PBX or the CT Gateway." error={fieldError(err, 'host')} />
				<NumberField id="ps-port" name="port" label="OAI port" value={port} onChange={setPort} min={1} max={65535}
					error={fieldError(err, 'port')} />
				<TextField id="ps-password" name="password" label="OAI password" type="password" value={password}
					onChange={setPassword} autoComplete="new-password" error={fieldError(err, 'password')}
					placeholder={s ? 'unchanged' : ''}
					hint={s ? `Write-only: leave blank to keep the current one${hasPassword === undefined ? '' : hasPassword ? ' (one is set)' : ' (none set)'}.` : 'Empty by default on the PBX.'} />
				<CheckField id="ps-enabled" name="enabled" label="Enabled (connect to this PBX)" checked={enabled} onChange={setEnabled} />
				{s && (s.protocol_version || s.software_version) && (
					<dl class="facts">
						{s.software_version && <><dt>Software</dt><dd>{s.software_version}</dd></>}
						{s.protocol_version && <><dt>OAI protocol</dt><dd>{s.protocol_version}</dd></>}
					</dl>
				)}
				<FormActions>
					<button type="submit" id="ps-save" class="primary">{s ? 'Save' : 'Add'}</button>
					<button type="button" id="ps-cancel" onClick={() => p.onDone(false)}>Cancel</button>
					{s && (
						<ConfirmButton id="ps-delete" label="Delete" question={`Delete ${s.name}?`}
							onConfirm={() => { void remove(); }} />
					)}
				</FormActions>
			</fieldset>
		</form>
	);
}
