/*
 * Login.tsx - the log-in form, and the "forgot password" request beside it.
 *
 * The API's error message is shown as given (invalid_credentials, account_locked...);
 * for account_locked the retry_after seconds become a time the user can read.
 */
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { InlineError } from '../components/Alerts';
import { TextField } from '../components/Form';
import { PageHeader } from '../components/Widgets';
import { login } from '../session';

export function retryText(seconds: number): string {
	const at = new Date(Date.now() + seconds * 1000);
	const span = seconds < 90 ? `${Math.ceil(seconds)} seconds`
	    : `${Math.ceil(seconds / 60)} minutes`;
	return `Try again in ${span} (after ${at.toLocaleTimeString()}).`;
}

export function errorText(e: unknown): string {
	if (e instanceof ApiError) {
		if (e.code === 'account_locked' && e.retryAfter !== undefined)
			return `${e.message} ${retryText(e.retryAfter)}`;
		return e.message;
	}
	return String(e);
}

export function LoginPage(p: { expired?: boolean }) {
	const [username, setUsername] = useState('');
	const [password, setPassword] = useState('');
	const [error, setError] = useState<string | undefined>(p.expired ? 'Your session has ended. Please log in again.' : undefined);
	const [busy, setBusy] = useState(false);
	const [forgot, setForgot] = useState(false);

	async function submit(e: Event) {
		e.preventDefault();
		setBusy(true);
		setError(undefined);
		try {
			await login(username.trim(), password);
		} catch (err) {
			setError(errorText(err));
			setPassword('');
		} finally {
			setBusy(false);
		}
	}

	if (forgot)
		return <ForgotPassword username={username} onBack={() => setForgot(false)} />;

	return (
		<section class="card narrow" aria-labelledby="page-title">
			<PageHeader title="Log in" />
			<form id="login-form" onSubmit={submit} noValidate>
				<TextField id="login-username" name="username" label="Username" value={username}
					onChange={setUsername} autoComplete="username" required autoFocus />
				<TextField id="login-password" name="password" label="Password" type="password"
					value={password} onChange={setPassword} autoComplete="current-password" required />
				<InlineError id="login-error" text={error} />
				<div class="form-actions">
					<button type="submit" id="login-submit" class="primary" disabled={busy}>
						{busy ? 'Logging in…' : 'Log in'}
					</button>
					<button type="button" id="login-forgot" class="link-button" onClick={() => setForgot(true)}>
						Forgot password?
					</button>
				</div>
			</form>
		</section>
	);
}

/* POST /password-reset: always 202, so the answer never tells whether the user exists. */
function ForgotPassword(p: { username: string; onBack: () => void }) {
	const [username, setUsername] = useState(p.username);
	const [sent, setSent] = useState(false);
	const [error, setError] = useState<string | undefined>();
	const [busy, setBusy] = useState(false);

	async function submit(e: Event) {
		e.preventDefault();
		setBusy(true);
		setError(undefined);
		try {
			await api.post('/password-reset', { username: username.trim() }, { quiet: true, noAuthHooks: true });
			setSent(true);
		} catch (err) {
			setError(errorText(err));
		} finally {
			setBusy(false);
		}
	}

	return (
		<section class="card narrow" aria-labelledby="page-title">
			<PageHeader title="Reset password" />
			{sent ? (
				<p id="reset-sent" role="status">
					If the account has an email address, a one-time link to set a new password is on its way.
				</p>
			) : (
				<form onSubmit={submit} noValidate>
					<TextField id="reset-username" name="username" label="Username" value={username}
						onChange={setUsername} autoComplete="username" required autoFocus />
					<InlineError id="reset-error" text={error} />
					<div class="form-actions">
						<button type="submit" id="reset-request" class="primary" disabled={busy || !username.trim()}>
							Send reset link
						</button>
					</div>
				</form>
			)}
			<p><button type="button" id="reset-back" class="link-button" onClick={p.onBack}>Back to log in</button></p>
		</section>
	);
}
