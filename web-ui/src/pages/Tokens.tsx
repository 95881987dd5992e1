/*
 * Tokens.tsx - API tokens for integrations (Authorization: Bearer ...).  POST answers
 * the secret once: it is shown in a read-only box with a Copy button until the page is
 * left, and never again.  DELETE revokes.
 */
import { useRef, useState } from 'preact/hooks';
import { api, fieldError, getAll } from '../api';
import { FormActions, NumberField, TextField } from '../components/Form';
import { ConfirmButton, Empty, Loading, PageHeader } from '../components/Widgets';
import { notifyOk } from '../notify';
import { formatTime, isObj, str, useAction, useAsync } from '../util';

interface ApiToken {
	id: number;
	name: string;
	prefix?: string;
	user?: string;
	username?: string;
	created_at?: string;
	expires_at?: string | null;
	last_used_at?: string | null;
	revoked_at?: string | null;
}

export function TokensPage() {
	const tokens = useAsync(() => getAll<ApiToken>('/api-tokens'), []);
	const [name, setName] = useState('');
	const [days, setDays] = useState<number | null>(null);
	const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
	const [busy, err, run] = useAction();
	const box = useRef<HTMLInputElement>(null);

	async function create(e: Event) {
		e.preventDefault();
		await run(async () => {
			const body: Record<string, unknown> = { name: name.trim() };
			if (days)
				body.expires_days = days;
			const a = await api.post<unknown>('/api-tokens', body);
			const token = isObj(a) ? str(a, 'token', 'secret', 'value') || str(a.token, 'token') : '';
			setSecret({ name: body.name as string, token });
			setName('');
			setDays(null);
			tokens.reload();
			setTimeout(() => box.current?.select(), 0);
		});
	}

	async function copy() {
		if (!secret)
			return;
		try {
			await navigator.clipboard.writeText(secret.token);
			notifyOk('Token copied to the clipboard.');
		} catch {
			box.current?.select();
			notifyOk('Select the token and copy it with Ctrl+C.');
		}
	}

	async function revoke(t: ApiToken) {
		await run(async () => {
			await api.del(`/api-tokens/${t.id}`);
			notifyOk(`Token ${t.name} revoked.`);
			tokens.reload();
		});
	}

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="API Tokens" />
			<form class="panel" id="token-form" onSubmit={create} aria-labelledby="h-token-new" noValidate>
				<h2 id="h-token-new">New token</h2>
				<fieldset class="plain" disabled={busy}>
					<div class="form-grid">
						<TextField id="token-name" name="name" label="Name" value={name} onChange={setName} required
							hint="What uses it, e.g. “CRM integration”." error={fieldError(err, 'name')} />
						<NumberField id="token-expires-days" name="expires_days" label="Expires after (days)"
							value={days} onChange={setDays} min={1} max={3650} placeholder="never"
							hint="Blank: never." error={fieldError(err, 'expires_days')} />
					</div>
					<FormActions>
						<button type="submit" id="token-create" class="primary" disabled={!name.trim()}>Create token</button>
					</FormActions>
				</fieldset>
			</form>

			{secret && (
				<div class="panel token-once" id="token-once" role="region" aria-labelledby="h-token-once">
					<h2 id="h-token-once">Token “{secret.name}”</h2>
					<p>Copy it now: it is shown only this once. It acts with your permissions.</p>
					<div class="copy-row">
						<label for="token-value" class="sr-only">New token</label>
						<input id="token-value" ref={box} type="text" readOnly value={secret.token} class="mono"
							onFocus={(e) => e.currentTarget.select()} />
						<button type="button" id="token-copy" onClick={() => { void copy(); }}>Copy</button>
						<button type="button" id="token-dismiss" onClick={() => setSecret(null)}>Done</button>
					</div>
				</div>
			)}

			<section class="panel" aria-labelledby="h-tokens">
				<h2 id="h-tokens">Tokens</h2>
				{tokens.loading && !tokens.data ? <Loading what="tokens" /> : !tokens.data?.length ? <Empty>No API tokens.</Empty> : (
					<div class="table-wrap">
						<table class="data" id="tokens-table">
							<thead>
								<tr>
									<th scope="col">Name</th>
									<th scope="col">Starts with</th>
									<th scope="col">User</th>
									<th scope="col">Created</th>
									<th scope="col">Expires</th>
									<th scope="col">Last used</th>
									<th scope="col"><span class="sr-only">Actions</span></th>
								</tr>
							</thead>
							<tbody>
								{tokens.data.map((t) => (
									<tr key={t.id} data-token-id={t.id} class={t.revoked_at ? 'dim' : ''}>
										<th scope="row">{t.name}</th>
										<td class="mono">{t.prefix ? t.prefix + '…' : ''}</td>
										<td>{t.username ?? t.user ?? ''}</td>
										<td>{formatTime(t.created_at)}</td>
										<td>{t.expires_at ? formatTime(t.expires_at) : 'Never'}</td>
										<td>{t.last_used_at ? formatTime(t.last_used_at) : 'Never'}</td>
										<td class="actions">
											{t.revoked_at ? `Revoked ${formatTime(t.revoked_at)}` : (
												<ConfirmButton id={'token-revoke-' + t.id} class="small danger" label="Revoke"
													question={`Revoke ${t.name}?`} onConfirm={() => { void revoke(t); }} />
											)}
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</div>
				)}
			</section>
		</section>
	);
}
