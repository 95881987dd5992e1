/*
 * RecordingLists.tsx - the Exclusion and Inclusion lists (manual: Site Settings ->
 * Exclusion List / Inclusion List): entries of Type + Value + Description.  An exclusion
 * entry discards the recording of a call whose field of that type contains the value; an
 * inclusion entry keeps it whatever the exclusion list says (only "Exclude internal calls"
 * is stronger).  Each list is its own screen and permission (config.exclusion_list,
 * config.inclusion_list), over /exclusion-list and /inclusion-list.
 */
import { useState } from 'preact/hooks';
import { fieldError, getAll } from '../api';
import { CrudForm, CrudPage, type CrudSpec, type FormSlot } from '../components/CrudPage';
import { SelectField, TextField } from '../components/Form';

type ListName = 'exclusion' | 'inclusion';

interface Entry {
	id: number;
	name: string; // "<Type> <value>", in titles and messages
	list: ListName;
	match_type: string;
	value: string;
	description: string;
}

const TYPES = [
	{ value: 'account_code', label: 'Account code' },
	{ value: 'agent', label: 'Agent' },
	{ value: 'ddi', label: 'DDI / DID' },
	{ value: 'outside_number', label: 'Outside number' },
	{ value: 'endpoint', label: 'Endpoint' },
	{ value: 'hunt_group', label: 'Hunt group' },
];

const HINTS: Record<string, string> = {
	account_code: 'The account code entered on the call.',
	agent: 'An ACD agent id.',
	ddi: 'The dialled DDI / DID digits.',
	outside_number: 'Caller ID inbound, dialled number outbound; part of a number matches (e.g. 0800).',
	endpoint: 'An extension taking part in the call.',
	hunt_group: 'The hunt group number the call came through.',
};

function typeLabel(t: string): string {
	return TYPES.find((x) => x.value === t)?.label ?? t;
}

const nameOf = (b: Record<string, unknown>) => `${typeLabel(String(b.match_type ?? ''))} ${String(b.value ?? '')}`;

function specOf(list: ListName): CrudSpec {
	const Title = list === 'exclusion' ? 'Exclusion' : 'Inclusion';
	return { path: `/${list}-list`, entity: list, noun: `${Title} list entry`, word: 'entry',
		newLabel: 'Add entry', add: true, remove: true, savedName: nameOf };
}

function RecordingListPage({ list }: { list: ListName }) {
	const spec = specOf(list);
	const load = async () => (await getAll<Omit<Entry, 'name'>>(spec.path)).map((e) => ({ ...e, name: nameOf(e) }));
	const what = list === 'exclusion'
		? 'A call whose field of the entry\'s type contains its value is not kept: its recording is discarded.'
		: 'A call whose field of the entry\'s type contains its value is recorded, whatever the Exclusion list says. Only "Exclude internal calls" is stronger.';
	return (
		<CrudPage<Entry> spec={spec} title={list === 'exclusion' ? 'Exclusion List' : 'Inclusion List'}
			listLabel={list === 'exclusion' ? 'Exclusion list entries' : 'Inclusion list entries'} load={load}
			empty="No entries."
			after={<p class="muted" id={`${list}-about`}>{what}</p>}
			columns={[
				{ head: 'Type', cell: (e) => typeLabel(e.match_type) },
				{ head: 'Value', rowHeader: true, cell: (e) => e.value },
				{ head: 'Description', cell: (e) => e.description },
			]}
			form={(f) => <EntryForm {...f} spec={spec} which={list} />} />
	);
}

function EntryForm(p: FormSlot<Entry> & { spec: CrudSpec; which: ListName }) {
	const e = p.record, id = p.which;
	const [type, setType] = useState(e?.match_type ?? 'endpoint');
	const [value, setValue] = useState(e?.value ?? '');
	const [description, setDescription] = useState(e?.description ?? '');

	const body = () => ({ match_type: type, value: value.trim(), description: description.trim() });
	return (
		<CrudForm spec={p.spec} record={e} onDone={p.onDone} body={body}>
			{(err) => <>
				<SelectField id={`${id}-type`} name="match_type" label="Type" value={type} options={TYPES} onChange={setType}
					error={fieldError(err, 'match_type')} />
				<TextField id={`${id}-value`} name="value" label="Value" value={value} onChange={setValue} required
					maxLength={64} hint={HINTS[type]} error={fieldError(err, 'value')} />
				<TextField id={`${id}-description`} name="description" label="Description" value={description}
					onChange={setDescription} maxLength={255} error={fieldError(err, 'description')} />
			</>}
		</CrudForm>
	);
}

export function ExclusionListPage() {
	return <RecordingListPage list="exclusion" />;
}

export function InclusionListPage() {
	return <RecordingListPage list="inclusion" />;
}
