/*
 * Email.tsx - Email & SMTP settings (GET/PUT /settings/email; manual F).
 *
 * API.md names the route but not its fields.  The form uses the names of the smtp.*
 * settings (migrations/0004_security.sql: server, port, auth, username, password, ssl,
 * from, from_name, alarm_interval_minutes); when the GET answer spells a field another
 * usual way, the PUT sends it back under the answer's spelling.  The password is
 * write-only: sent only when typed.  The alert recipients field is shown only when the
 * answer has one.  "Send test email" (POST /settings/email/test {to}) tries the saved
 * settings.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, fieldError } from '../api';
import { CheckField, FormActions, NumberField, TextField } from '../components/Form';
import { Loading, PageHeader } from '../components/Widgets';
import { notifyOk } from '../notify';
import { isObj, useAction, useAsync, type Json } from '../util';

type Kind = 'text' | 'number' | 'bool';

interface Spec {
	id: string;
	label: string;
	kind: Kind;
	keys: string[];
	hint?: string;
	optional?: boolean;
}

const FIELDS: Spec[] = [
	{ id: 'email-to', label: 'System email address (alert recipients)', kind: 'text', optional: true,
		keys: ['to', 'system_address', 'system_email', 'alert_to', 'recipients'],
		hint: 'Who gets watchdog alerts; separate several with commas.' },
	{ id: 'email-from', label: 'Source email address', kind: 'text', keys: ['from', 'source_address', 'from_address', 'sender'] },
	{ id: 'email-from-name', label: 'Sender name', kind: 'text', keys: ['from_name', 'sender_name'] },
	{ id: 'email-server', label: 'SMTP server', kind: 'text', keys: ['server', 'smtp_server', 'host', 'smtp_host'],
		hint: 'Host name or IP address.' },
	{ id: 'email-port', label: 'Port', kind: 'number', keys: ['port', 'smtp_port'], hint: 'Usually 25; 465 or 587 with SSL.' },
	{ id: 'email-ssl', label: 'Use SSL', kind: 'bool', keys: ['ssl', 'use_ssl', 'tls'] },
	{ id: 'email-alarm-interval', label: 'Email alarm interval (minutes)', kind: 'number',
		keys: ['alarm_interval_minutes', 'alarm_interval', 'alert_interval_minutes'],
		hint: 'Least time between two emails about the same condition.' },
	{ id: 'email-auth', label: 'Server requires authentication', kind: 'bool', keys: ['auth', 'requires_auth', 'auth_required', 'authentication'] },
	{ id: 'email-username', label: 'Username', kind: 'text', keys: ['username', 'user'] },
];

type Values = Record<string, string | number | boolean | null>;

function keyFor(spec: Spec, answer: Json | undefined): string | undefined {
	if (!answer)
		return spec.optional ? undefined : spec.keys[0];
	const k = spec.keys.find((x) => x in answer);
	return k ?? (spec.optional ? undefined : spec.keys[0]);
}

export function EmailPage() {
	const settings = useAsync(() => api.get<Json>('/settings/email'), []);
	const [vals, setVals] = useState<Values>({});
	const [password, setPassword] = useState('');
	const [testTo, setTestTo] = useState('');
	const [busy, err, run] = useAction();
	const [testBusy, testErr, runTest] = useAction();
	const answer = isObj(settings.data) ? settings.data : undefined;

	useEffect(() => {
		if (!answer)
			return;
		const v: Values = {};
		for (const f of FIELDS) {
			const k = keyFor(f, answer);
			if (!k)
				continue;
			const raw = answer[k];
			v[f.id] = f.kind === 'bool' ? raw === true || raw === 'true'
			    : f.kind === 'number' ? (raw === null || raw === undefined || raw === '' ? null : Number(raw))
			    : raw === null || raw === undefined ? '' : String(raw);
		}
		setVals(v);
	}, [settings.data]);

	const hasPassword = answer ? (answer.password_set ?? answer.has_password) : undefined;
	const authOn = vals['email-auth'] === true;

	async function submit(e: Event) {
		e.preventDefault();
		await run(async () => {
			const body: Json = {};
			for (const f of FIELDS) {
				const k = keyFor(f, answer);
				if (!k)
					continue;
				const v = vals[f.id];
				body[k] = f.kind === 'text' ? String(v ?? '').trim() : v ?? (f.kind === 'bool' ? false : null);
			}
			if (password)
				body.password = password;
			const saved = await api.put<Json | null>('/settings/email', body);
			if (isObj(saved))
				settings.setData(saved);
			setPassword('');
			notifyOk('Email settings saved.');
		});
	}

	async function sendTest(e: Event) {
		e.preventDefault();
		await runTest(async () => {
			await api.post('/settings/email/test', { to: testTo.trim() });
			notifyOk(`Test message sent to ${testTo.trim()}.`);
		});
	}

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Email Settings" />
			{settings.loading && !settings.data ? <Loading what="email settings" /> : (
				<form class="panel narrow-form" id="email-form" onSubmit={submit} noValidate>
					<p class="muted">Used to send users their account details and password reset links, and the watchdog's alerts.</p>
					<fieldset class="plain" disabled={busy}>
						{FIELDS.map((f) => {
							const k = keyFor(f, answer);
							if (!k)
								return null;
							if (f.id === 'email-username' && !authOn)
								return null;
							const error = fieldError(err, k);
							if (f.kind === 'bool')
								return <CheckField key={f.id} id={f.id} name={k} label={f.label} hint={f.hint}
									checked={vals[f.id] === true} onChange={(v) => setVals((x) => ({ ...x, [f.id]: v }))} />;
							if (f.kind === 'number')
								return <NumberField key={f.id} id={f.id} name={k} label={f.label} hint={f.hint} min={0}
									value={vals[f.id] as number | null} error={error}
									onChange={(v) => setVals((x) => ({ ...x, [f.id]: v }))} />;
							return <TextField key={f.id} id={f.id} name={k} label={f.label} hint={f.hint} error={error}
								value={String(vals[f.id] ?? '')} onChange={(v) => setVals((x) => ({ ...x, [f.id]: v }))} />;
						})}
						{authOn && (
							<TextField id="email-password" name="password" label="Password" type="password" value={password}
								onChange={setPassword} autoComplete="new-password" placeholder="unchanged"
								error={fieldError(err, 'password')}
								hint={'Write-only: leave blank to keep the current one' +
								    (hasPassword === true ? ' (one is set).' : hasPassword === false ? ' (none set).' : '.')} />
						)}
						<FormActions>
							<button type="submit" id="email-save" class="primary">Save settings</button>
						</FormActions>
					</fieldset>
				</form>
			)}
			<form class="panel narrow-form" id="email-test-form" onSubmit={sendTest} aria-labelledby="h-email-test" noValidate>
				<h2 id="h-email-test">Test</h2>
				<p class="muted">Sends a short message with the saved settings (save changes first).</p>
				<fieldset class="plain" disabled={testBusy}>
					<TextField id="email-test-to" name="to" label="Send a test message to" type="email" value={testTo}
						onChange={setTestTo} error={fieldError(testErr, 'to')} />
					<FormActions>
						<button type="submit" id="email-test-send" disabled={!testTo.trim()}>Send test email</button>
					</FormActions>
				</fieldset>
			</form>
		</section>
	);
}
