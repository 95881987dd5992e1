/*
 * Form.tsx - labelled form controls.  Every control has a stable id (the test hook), a
 * <label for> tied to it, an optional hint and an in-place error, both referenced by
 * aria-describedby; an error also sets aria-invalid.
 */
import type { ComponentChildren } from 'preact';

interface Base {
	id: string;
	label: string;
	hint?: string;
	error?: string;
	required?: boolean;
	disabled?: boolean;
	name?: string;
}

function describedBy(p: Base): string | undefined {
	const ids = [p.hint ? p.id + '-hint' : '', p.error ? p.id + '-error' : ''].filter(Boolean);
	return ids.length ? ids.join(' ') : undefined;
}

function Extras(p: Base) {
	return (
		<>
			{p.hint && <span class="hint" id={p.id + '-hint'}>{p.hint}</span>}
			{p.error && <span class="field-error" id={p.id + '-error'}>{p.error}</span>}
		</>
	);
}

export function TextField(p: Base & {
	value: string;
	onChange: (v: string) => void;
	type?: 'text' | 'password' | 'email' | 'search' | 'datetime-local' | 'date' | 'tel' | 'url';
	autoComplete?: string;
	placeholder?: string;
	autoFocus?: boolean;
	readOnly?: boolean;
	inputMode?: 'numeric' | 'text' | 'tel' | 'email';
	maxLength?: number;
}) {
	return (
		<div class="field">
			<label for={p.id}>{p.label}{p.required && <span class="req" aria-hidden="true"> *</span>}</label>
			<input
				id={p.id}
				name={p.name ?? p.id}
				// Preact's types pair each input type with the roles it allows; the union
				// of our types does not narrow, so it is given as one member.
				type={(p.type ?? 'text') as 'text'}
				value={p.value}
				onInput={(e) => p.onChange(e.currentTarget.value)}
				required={p.required}
				disabled={p.disabled}
				readOnly={p.readOnly}
				autoComplete={p.autoComplete}
				placeholder={p.placeholder}
				autoFocus={p.autoFocus}
				inputMode={p.inputMode}
				maxLength={p.maxLength}
				aria-invalid={p.error ? true : undefined}
				aria-describedby={describedBy(p)}
			/>
			<Extras {...p} />
		</div>
	);
}

export function NumberField(p: Base & {
	value: number | null | undefined;
	onChange: (v: number | null) => void;
	min?: number;
	max?: number;
	step?: number;
	placeholder?: string;
}) {
	return (
		<div class="field">
			<label for={p.id}>{p.label}{p.required && <span class="req" aria-hidden="true"> *</span>}</label>
			<input
				id={p.id}
				name={p.name ?? p.id}
				type="number"
				value={p.value === null || p.value === undefined ? '' : String(p.value)}
				onInput={(e) => {
					const v = e.currentTarget.value;
					p.onChange(v === '' ? null : Number(v));
				}}
				min={p.min}
				max={p.max}
				step={p.step ?? 1}
				required={p.required}
				disabled={p.disabled}
				placeholder={p.placeholder}
				aria-invalid={p.error ? true : undefined}
				aria-describedby={describedBy(p)}
			/>
			<Extras {...p} />
		</div>
	);
}

export interface Option {
	value: string;
	label: string;
}

export function SelectField(p: Base & {
	value: string;
	options: Option[];
	onChange: (v: string) => void;
}) {
	return (
		<div class="field">
			<label for={p.id}>{p.label}{p.required && <span class="req" aria-hidden="true"> *</span>}</label>
			<select
				id={p.id}
				name={p.name ?? p.id}
				value={p.value}
				onChange={(e) => p.onChange(e.currentTarget.value)}
				required={p.required}
				disabled={p.disabled}
				aria-invalid={p.error ? true : undefined}
				aria-describedby={describedBy(p)}
			>
				{p.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
			</select>
			<Extras {...p} />
		</div>
	);
}

export function CheckField(p: Omit<Base, 'required'> & {
	checked: boolean;
	onChange: (v: boolean) => void;
}) {
	return (
		<div class="field field-check">
			<input
				id={p.id}
				name={p.name ?? p.id}
				type="checkbox"
				checked={p.checked}
				onChange={(e) => p.onChange(e.currentTarget.checked)}
				disabled={p.disabled}
				aria-describedby={describedBy(p)}
			/>
			<label for={p.id}>{p.label}</label>
			<Extras {...p} />
		</div>
	);
}

export function TextArea(p: Base & {
	value: string;
	onChange: (v: string) => void;
	rows?: number;
	placeholder?: string;
	spellcheck?: boolean;
}) {
	return (
		<div class="field">
			<label for={p.id}>{p.label}{p.required && <span class="req" aria-hidden="true"> *</span>}</label>
			<textarea
				id={p.id}
				name={p.name ?? p.id}
				rows={p.rows ?? 4}
				value={p.value}
				onInput={(e) => p.onChange(e.currentTarget.value)}
				required={p.required}
				disabled={p.disabled}
				placeholder={p.placeholder}
				spellcheck={p.spellcheck}
				aria-invalid={p.error ? true : undefined}
				aria-describedby={describedBy(p)}
			/>
			<Extras {...p} />
		</div>
	);
}

/* A set of checkboxes with a legend (permissions of a group, roles of a server...). */
export function CheckGroup(p: {
	legend: string;
	idPrefix: string;
	options: Array<Option & { name?: string }>;
	selected: ReadonlySet<string>;
	onToggle: (value: string, on: boolean) => void;
	disabled?: boolean;
	columns?: boolean;
	children?: ComponentChildren;
}) {
	return (
		<fieldset class={p.columns ? 'check-group columns' : 'check-group'} disabled={p.disabled}>
			<legend>{p.legend}</legend>
			{p.children}
			{p.options.length === 0 && <p class="muted">None available.</p>}
			{p.options.map((o) => (
				<div class="field-check" key={o.value}>
					<input
						type="checkbox"
						id={p.idPrefix + o.value.replace(/[^A-Za-z0-9_-]/g, '-')}
						name={o.name ?? o.value}
						value={o.value}
						checked={p.selected.has(o.value)}
						disabled={p.disabled}
						onChange={(e) => p.onToggle(o.value, e.currentTarget.checked)}
					/>
					<label for={p.idPrefix + o.value.replace(/[^A-Za-z0-9_-]/g, '-')}>{o.label}</label>
				</div>
			))}
		</fieldset>
	);
}

export function FormActions({ children }: { children: ComponentChildren }) {
	return <div class="form-actions">{children}</div>;
}
