/*
 * Password.tsx - changing one's own password: the forced change after log-in
 * (user.must_change_password), the "My account" page, and setting a new password from an
 * emailed reset link (#/reset?token=...).
 *
 * The same form and ids (pw-current, pw-new, pw-confirm, pw-submit) serve the first two;
 * the confirm field is checked here before anything is sent.
 */
import { useState } from 'preact/hooks';
import { api } from '../api';
import { InlineError } from '../components/Alerts';
import { TextField } from '../components/Form';
import { PageHeader } from '../components/Widgets';
import { notifyOk } from '../notify';
import { navigate } from '../router';
import { changeOwnPassword, displayName, logout, type User } from '../session';
import { errorText } from './Login';

function PasswordForm(p: { onDone?: () => void; withCurrent: boolean; submitLabel: string;
    send: (current: string, next: string) => Promise<void> }) {
	const [current, setCurrent] = useState('');
	const [next, setNext] = useState('');
	const [confirm, setConfirm] = useState('');
	const [error, setError] = useState<string | undefined>();
	const [busy, setBusy] = useState(false);

	async function submit(e: Event) {
		e.preventDefault();
		setError(undefined);
		if (!next) {
			setError('Enter a new password.');
			return;
		}
		if (next !== confirm) {
			setError('The new password and its confirmation differ.');
			return;
		}
		setBusy(true);
		try {
			await p.send(current, next);
			setCurrent('');
			setNext('');
			setConfirm('');
			p.onDone?.();
		} catch (err) {
			setError(errorText(err));
		} finally {
			setBusy(false);
		}
	}

	const mismatch = confirm !== '' && next !== confirm ? 'Does not match the new password.' : undefined;
	return (
		<form id="pw-form" onSubmit={submit} noValidate>
			{p.withCurrent && (
				<TextField id="pw-current" name="current_password" label="Current password" type="password"
					value={current} onChange={setCurrent} autoComplete="current-password" required autoFocus />
			)}
			<TextField id="pw-new" name="new_password" label="New password" type="password" value={next}
				onChange={setNext} autoComplete="new-password" required autoFocus={!p.withCurrent}
				hint="The security policy sets the minimum strength." />
			<TextField id="pw-confirm" name="confirm_password" label="Confirm new password" type="password"
				value={confirm} onChange={setConfirm} autoComplete="new-password" required error={mismatch} />
			<InlineError id="pw-error" text={error} />
			<div class="form-actions">
				<button type="submit" id="pw-submit" class="primary" disabled={busy}>{p.submitLabel}</button>
			</div>
		</form>
	);
}

export function ForcedPasswordPage({ user }: { user: User }) {
	return (
		<section class="card narrow" aria-labelledby="page-title">
			<PageHeader title="Change your password" />
			<p>
				Hello {displayName(user)}. You must choose a new password before you continue.
			</p>
			<PasswordForm withCurrent submitLabel="Change password"
				send={async (c, n) => {
					await changeOwnPassword(c, n);
					notifyOk('Your password has been changed.');
				}} />
			<p>
				<button type="button" id="pw-logout" class="link-button" onClick={() => { void logout(); }}>
					Log out instead
				</button>
			</p>
		</section>
	);
}

export function AccountPage({ user }: { user: User }) {
	return (
		<section aria-labelledby="page-title">
			<PageHeader title="My account" />
			<dl class="facts" id="account-facts">
				<dt>Username</dt><dd id="account-username">{user.username}</dd>
				<dt>Name</dt><dd>{displayName(user)}</dd>
				{user.email && <><dt>Email</dt><dd>{user.email}</dd></>}
				{user.role && <><dt>Role</dt><dd>{user.role}</dd></>}
				{user.profile && <><dt>Security profile</dt><dd>{user.profile}</dd></>}
			</dl>
			<div class="card narrow">
				<h2>Change password</h2>
				<PasswordForm withCurrent submitLabel="Change password"
					send={async (c, n) => {
						await changeOwnPassword(c, n);
						notifyOk('Your password has been changed. Other sessions of yours have ended.');
					}} />
			</div>
		</section>
	);
}

/* #/reset?token=... : the page an emailed one-time link opens. */
export function ResetPasswordPage({ token }: { token: string }) {
	const [done, setDone] = useState(false);
	return (
		<section class="card narrow" aria-labelledby="page-title">
			<PageHeader title="Set a new password" />
			{!token && <p role="alert">This link has no reset token. Ask for a new link from the log-in page.</p>}
			{token && !done && (
				<PasswordForm withCurrent={false} submitLabel="Set password"
					send={async (_c, n) => {
						await api.post('/password-reset/confirm', { token, new_password: n },
						    { quiet: true, noAuthHooks: true });
						setDone(true);
					}} />
			)}
			{done && <p id="reset-done" role="status">Your password has been set. You can log in now.</p>}
			<p><button type="button" id="reset-to-login" class="link-button" onClick={() => navigate('/login')}>
				Go to log in
			</button></p>
		</section>
	);
}
