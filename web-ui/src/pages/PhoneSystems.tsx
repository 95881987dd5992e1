/*
 * PhoneSystems.tsx - the PBX the site talks to (manual C): type, name, host, OAI port
 * (default 4000) and password.  The password is write-only: the form never shows it,
 * sends it only when something was typed, and says whether one is set when the answer
 * tells (has_password / password_set).
 */
import { useState } from 'preact/hooks';
import { fieldError } from '../api';
import { CrudForm, CrudPage, type CrudSpec, type FormSlot } from '../components/CrudPage';
import { CheckField, NumberField, SelectField, TextField } from '../components/Form';
import { formatTime } from '../util';

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

const SPEC: CrudSpec = { path: '/phone-systems', entity: 'phone-system', prefix: 'ps', noun: 'Phone system', word: '',
	newLabel: 'Add phone system', add: true };

export function PhoneSystemsPage() {
	return (
		<CrudPage<PhoneSystem> spec={SPEC} title="Phone Systems" listLabel="Phone systems" empty="No phone system yet."
			tools={<a href="#/devices" class="button-link" id="ps-devices">Devices…</a>}
			columns={[
				{ head: 'Name', rowHeader: true, cell: (s) => <>{s.name}{s.enabled === false && <span class="muted"> (disabled)</span>}</> },
				{ head: 'Host', cell: (s) => `${s.host}${s.port ? ':' + s.port : ''}${s.ct_gateway ? ' (CT Gateway)' : ''}` },
				{ head: 'Version', cell: (s) => s.software_version ?? '' },
				{ head: 'Last import', cell: (s) => formatTime(s.last_import_at) },
			]}
			form={(f) => <PhoneSystemForm {...f} />} />
	);
}

function PhoneSystemForm(p: FormSlot<PhoneSystem>) {
	const s = p.record;
	const [type, setType] = useState(s?.type && s.type !== 'mivoice-office-250' ? s.type : TYPES[0].value);
	const [name, setName] = useState(s?.name ?? 'PBX');
	const [host, setHost] = useState(s?.host ?? '');
	const [port, setPort] = useState<number | null>(s?.port ?? 4000);
	const [password, setPassword] = useState('');
	const [enabled, setEnabled] = useState(s?.enabled ?? true);
	const hasPassword = s?.has_password ?? s?.password_set;

	const body = () => ({ type, name: name.trim(), host: host.trim(), port: port ?? 4000, enabled, ...(password ? { password } : {}) });
	const typeOptions = TYPES.some((t) => t.value === type) ? TYPES : [...TYPES, { value: type, label: type }];
	return (
		<CrudForm spec={SPEC} record={s} onDone={p.onDone} body={body}>
			{(err) => <>
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
			</>}
		</CrudForm>
	);
}
