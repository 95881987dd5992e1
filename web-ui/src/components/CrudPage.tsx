/*
 * CrudPage.tsx - the list + form scaffolding the configuration screens share (Roles,
 * Security Profiles, Access Filters, Phone Systems, Servers): the page header with its
 * "New" button, the records' table (one Edit button a row, the edited row marked), and the
 * record's form: POST to create, PATCH to save, a two-step delete, the API's errors in
 * place, a confirmation in the status region, the list reloaded after a change.
 *
 * A page gives its columns and renders its own form component, whose fields sit inside
 * <CrudForm> (which owns busy / error state and the buttons).  The test hooks are made
 * from the spec: <prefix>-new, <entity>s-table tr[data-<entity>-id], <prefix>-edit-<id>,
 * <prefix>-form, h-<prefix>-form, <prefix>-save, <prefix>-cancel, <prefix>-delete.
 *
 * A record is keyed by its id: a number, or a text key (a recorded device's extension),
 * which goes into the API path encoded ('#' is %23) and into the edit button's id made
 * safe (idPart).  A page whose records have no id or name of their own gives `load`,
 * which maps the API's items to rows, and `savedName`, which names a record from the
 * body it sends.
 */
import { Fragment, type ComponentChildren, type VNode } from 'preact';
import { useState } from 'preact/hooks';
import { api, getAll } from '../api';
import { notifyOk } from '../notify';
import { idPart, useAction, useAsync } from '../util';
import { FormActions } from './Form';
import { ConfirmButton, Empty, Loading, PageHeader } from './Widgets';

export interface Row {
	id: number | string;
	name: string;
	builtin?: boolean; // a built-in record cannot be deleted
}

export interface CrudSpec {
	path: string;     // the API collection: '/roles'
	entity: string;   // 'role' -> #roles-table, data-role-id
	prefix?: string;  // of the other hooks (default: entity)
	noun: string;     // in messages: "Role X saved."
	word: string;     // on buttons and the form's title: "Save role", "Edit role X" ('' for none)
	newLabel: string; // the header button, and the title of a new record's form
	add?: boolean;    // "Add …" rather than "Create …"
	remove?: boolean; // "Remove …" / "removed" rather than "Delete …" / "deleted"
	savedName?: (body: Record<string, unknown>) => string; // "<noun> <it> saved." (default: body.name)
}

export interface Column<T> {
	head: string;
	cell: (r: T) => ComponentChildren;
	rowHeader?: boolean; // <th scope="row">: the record's name
	class?: string;
}

/* What a page's form gets: the record (null: a new one), the whole list, and the way out. */
export interface FormSlot<T> {
	record: T | null;
	list: T[];
	onDone: (changed: boolean) => void;
}

const prefixOf = (s: CrudSpec) => s.prefix ?? s.entity;
const itemPath = (s: CrudSpec, r: Row) => `${s.path}/${encodeURIComponent(String(r.id))}`;
const words = (...w: string[]) => w.filter(Boolean).join(' ');

export function CrudPage<T extends Row>(p: {
	spec: CrudSpec;
	title: string;
	listLabel: string;  // the table's region name; "Loading <it>…", "No <it>."
	empty?: string;
	split?: string;     // extra class of the two-column layout
	tools?: ComponentChildren;
	after?: ComponentChildren;
	columns: Array<Column<T>>;
	editLabel?: (r: T) => string;
	form: (slot: FormSlot<T>) => VNode;
	load?: () => Promise<T[]>; // the rows (default: GET spec.path, items as they are)
}) {
	const s = p.spec, prefix = prefixOf(s), what = p.listLabel.toLowerCase();
	const list = useAsync(() => (p.load ? p.load() : getAll<T>(s.path)), []);
	const [editing, setEditing] = useState<T | 'new' | null>(null);
	const rowAttr = `data-${s.entity}-id`;

	return (
		<section aria-labelledby="page-title">
			<PageHeader title={p.title}>
				<button type="button" id={prefix + '-new'} class="primary" onClick={() => setEditing('new')}>{s.newLabel}</button>
				{p.tools}
			</PageHeader>
			<div class={p.split ? 'split ' + p.split : 'split'}>
				<section class="panel" aria-label={p.listLabel}>
					{list.loading && !list.data ? <Loading what={what} /> : !list.data?.length ? <Empty>{p.empty ?? `No ${what}.`}</Empty> : (
						<div class="table-wrap">
							<table class="data" id={s.entity + 's-table'}>
								<thead>
									<tr>
										{p.columns.map((c) => <th scope="col" key={c.head}>{c.head}</th>)}
										<th scope="col"><span class="sr-only">Actions</span></th>
									</tr>
								</thead>
								<tbody>
									{list.data.map((r) => (
										<tr key={r.id} {...{ [rowAttr]: r.id }}
											class={editing !== 'new' && editing?.id === r.id ? 'selected' : ''}>
											{p.columns.map((c) => c.rowHeader
												? <th scope="row" key={c.head}>{c.cell(r)}</th>
												: <td key={c.head} class={c.class}>{c.cell(r)}</td>)}
											<td class="actions">
												<button type="button" class="small" id={`${prefix}-edit-${idPart(r.id)}`} onClick={() => setEditing(r)}>
													{p.editLabel?.(r) ?? 'Edit'}<span class="sr-only"> {r.name}</span>
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
					<Fragment key={editing === 'new' ? 'new' : editing.id}>
						{p.form({ record: editing === 'new' ? null : editing, list: list.data ?? [],
							onDone: (changed) => { setEditing(null); if (changed) list.reload(); } })}
					</Fragment>
				)}
			</div>
			{p.after}
		</section>
	);
}

/*
 * The form of one record.  `body` makes the request body at submit; `readOnly` (a note
 * shown above the fields) turns the form into a view with a Close button.
 */
export function CrudForm<T extends Row>(p: {
	spec: CrudSpec;
	record: T | null;
	onDone: (changed: boolean) => void;
	body: () => Record<string, unknown>;
	title?: string;
	readOnly?: ComponentChildren;
	children: (err: unknown) => ComponentChildren;
}) {
	const s = p.spec, r = p.record, prefix = prefixOf(s);
	const [busy, err, run] = useAction();
	const del = s.remove ? 'Remove' : 'Delete';

	async function submit(e: Event) {
		e.preventDefault();
		if (p.readOnly)
			return;
		await run(async () => {
			const body = p.body();
			if (r)
				await api.patch(itemPath(s, r), body);
			else
				await api.post(s.path, body);
			notifyOk(`${s.noun} ${s.savedName ? s.savedName(body) : String(body.name ?? '')} saved.`);
			p.onDone(true);
		});
	}

	async function remove() {
		if (!r)
			return;
		await run(async () => {
			await api.del(itemPath(s, r));
			notifyOk(`${s.noun} ${r.name} ${s.remove ? 'removed' : 'deleted'}.`);
			p.onDone(true);
		});
	}

	const cancel = (label: string) =>
		<button type="button" id={prefix + '-cancel'} onClick={() => p.onDone(false)}>{label}</button>;
	return (
		<form class="panel editor" id={prefix + '-form'} onSubmit={submit} aria-labelledby={`h-${prefix}-form`}
			data-readonly={p.readOnly ? 'true' : 'false'} noValidate>
			<h2 id={`h-${prefix}-form`}>{p.title ?? (r ? words('Edit', s.word, r.name) : s.newLabel)}</h2>
			{p.readOnly}
			<fieldset class="plain" disabled={busy || !!p.readOnly}>
				{p.children(err)}
				{!p.readOnly && (
					<FormActions>
						<button type="submit" id={prefix + '-save'} class="primary">
							{r ? words('Save', s.word) : words(s.add ? 'Add' : 'Create', s.word)}
						</button>
						{cancel('Cancel')}
						{r && !r.builtin && (
							<ConfirmButton id={prefix + '-delete'} label={words(del, s.word)}
								question={words(del, s.word, r.name) + '?'} onConfirm={() => { void remove(); }} />
						)}
					</FormActions>
				)}
			</fieldset>
			{p.readOnly && <FormActions>{cancel('Close')}</FormActions>}
		</form>
	);
}
