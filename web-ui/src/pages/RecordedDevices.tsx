/*
 * RecordedDevices.tsx - the devices whose calls are recorded (manual: Site Settings ->
 * Servers -> Call Recording -> Recorded Devices; only listed devices are recorded), and how:
 * Record-A-Call (the PBX sends the call to the recorder) or IP/SIP RTP extension (captured
 * on a mirror port).  A mirrored MiNET phone is known by its IP address as the recorder
 * sees it, one device per address; the gateway refuses an address elsewhere (400) or one
 * another device has (409, shown under the field).
 *
 * The extension is the record's key (GET/PATCH/DELETE /recorded-devices/<extension>): it
 * is fixed once the device is added.
 */
import { useState } from 'preact/hooks';
import { fieldError, getAll } from '../api';
import { CrudForm, CrudPage, type CrudSpec, type FormSlot } from '../components/CrudPage';
import { CheckField, SelectField, TextField } from '../components/Form';

interface RecordedDevice {
	id: string;   // the extension (rows are keyed by it)
	name: string; // the extension, in titles and messages
	extension: string;
	method: 'rac' | 'mirror';
	ip: string | null;
	description: string;
	enabled: boolean;
}

const METHODS = [
	{ value: 'rac', label: 'Record-A-Call' },
	{ value: 'mirror', label: 'IP/SIP RTP extension (mirror port)' },
];

// The table's narrower words for the same.
function methodLabel(m: string): string {
	return m === 'mirror' ? 'Mirror port' : m === 'rac' ? 'Record-A-Call' : m;
}

const SPEC: CrudSpec = { path: '/recorded-devices', entity: 'recorded-device', prefix: 'rd', noun: 'Recorded device',
	word: 'device', newLabel: 'Add recorded device', add: true, remove: true,
	savedName: (b) => String(b.extension ?? '') };

async function load(): Promise<RecordedDevice[]> {
	const items = await getAll<Omit<RecordedDevice, 'id' | 'name'>>(SPEC.path);
	return items.map((d) => ({ ...d, id: d.extension, name: d.extension }));
}

export function RecordedDevicesPage() {
	return (
		<CrudPage<RecordedDevice> spec={SPEC} title="Recorded Devices" listLabel="Recorded devices" load={load}
			empty="No recorded devices: no call is recorded."
			columns={[
				{ head: 'Extension', rowHeader: true, cell: (d) => d.extension },
				{ head: 'Method', cell: (d) => methodLabel(d.method) },
				{ head: 'IP address', cell: (d) => d.ip ?? '' },
				{ head: 'Description', cell: (d) => d.description },
				{ head: 'Recorded', cell: (d) => (d.enabled ? 'Yes' : 'No') },
			]}
			form={(f) => <RecordedDeviceForm {...f} />} />
	);
}

function RecordedDeviceForm(p: FormSlot<RecordedDevice>) {
	const d = p.record;
	const [extension, setExtension] = useState(d?.extension ?? '');
	const [method, setMethod] = useState<string>(d?.method ?? 'rac');
	const [ip, setIp] = useState(d?.ip ?? '');
	const [description, setDescription] = useState(d?.description ?? '');
	const [enabled, setEnabled] = useState(d?.enabled ?? true);
	const mirror = method === 'mirror';

	// An address is only for the mirror method: a Record-A-Call device sends none.
	const body = () => ({ extension: extension.trim(), method, ip: mirror ? ip.trim() : null,
		description: description.trim(), enabled });
	return (
		<CrudForm spec={SPEC} record={d} onDone={p.onDone} body={body}>
			{(err) => <>
				<TextField id="rd-extension" name="extension" label="Extension" value={extension} onChange={setExtension}
					required disabled={!!d} inputMode="numeric" maxLength={32}
					hint={d ? 'Fixed: remove the device and add the other one.' : 'The device number on the phone system.'}
					error={fieldError(err, 'extension')} />
				<SelectField id="rd-method" name="method" label="Method" value={method} options={METHODS} onChange={setMethod}
					error={fieldError(err, 'method')} />
				{mirror && (
					<TextField id="rd-ip" name="ip" label="IP address" value={ip} onChange={setIp} inputMode="text"
						hint="For a MiNET phone: its address as the recorder sees it (a NAT'd remote phone: its public address). One device per address. Leave empty for a SIP phone."
						error={fieldError(err, 'ip')} />
				)}
				<TextField id="rd-description" name="description" label="Description" value={description}
					onChange={setDescription} maxLength={255} error={fieldError(err, 'description')} />
				<CheckField id="rd-enabled" name="enabled" label="Record this device" checked={enabled} onChange={setEnabled} />
			</>}
		</CrudForm>
	);
}
