/*
 * Policy.tsx - the Security Policy (GET/PUT /security-policy): password strength,
 * expiry (0 = off), reuse history (0 = off) and account lockout.  As in the manual, a
 * checkbox switches each option on and reveals its number.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, fieldError } from '../api';
import { CheckField, FormActions, NumberField, SelectField } from '../components/Form';
import { Loading, PageHeader } from '../components/Widgets';
import { notifyOk } from '../notify';
import { useAction, useAsync } from '../util';

interface SecurityPolicy {
	password_strength: 'low' | 'secure' | 'high';
	expiry_days: number;
	history: number;
	lockout_enabled: boolean;
	lockout_max_attempts: number;
	lockout_minutes: number;
}

const STRENGTHS = [
	{ value: 'low', label: 'Low security: at least 6 characters' },
	{ value: 'secure', label: 'Secure: 8+ characters, lower and upper case, a digit' },
	{ value: 'high', label: 'High security: 10+ characters, lower and upper case, a digit, a symbol' },
];

export function PolicyPage() {
	const policy = useAsync(() => api.get<SecurityPolicy>('/security-policy'), []);
	const [strength, setStrength] = useState('secure');
	const [expiryOn, setExpiryOn] = useState(false);
	const [expiry, setExpiry] = useState<number | null>(90);
	const [historyOn, setHistoryOn] = useState(false);
	const [history, setHistory] = useState<number | null>(5);
	const [lockOn, setLockOn] = useState(true);
	const [attempts, setAttempts] = useState<number | null>(5);
	const [minutes, setMinutes] = useState<number | null>(15);
	const [busy, err, run] = useAction();

	useEffect(() => {
		const p = policy.data;
		if (!p)
			return;
		setStrength(p.password_strength ?? 'secure');
		setExpiryOn((p.expiry_days ?? 0) > 0);
		if (p.expiry_days > 0)
			setExpiry(p.expiry_days);
		setHistoryOn((p.history ?? 0) > 0);
		if (p.history > 0)
			setHistory(p.history);
		setLockOn(!!p.lockout_enabled);
		if (p.lockout_max_attempts)
			setAttempts(p.lockout_max_attempts);
		if (p.lockout_minutes)
			setMinutes(p.lockout_minutes);
	}, [policy.data]);

	async function submit(e: Event) {
		e.preventDefault();
		await run(async () => {
			// The lockout numbers keep their values while lockout is off; a blank one is
			// left out (the gateway keeps the stored value) rather than sent as 0.
			const body: Partial<SecurityPolicy> = {
				password_strength: strength as SecurityPolicy['password_strength'],
				expiry_days: expiryOn ? expiry ?? 0 : 0,
				history: historyOn ? history ?? 0 : 0,
				lockout_enabled: lockOn,
			};
			if (attempts)
				body.lockout_max_attempts = attempts;
			if (minutes)
				body.lockout_minutes = minutes;
			const saved = await api.put<SecurityPolicy | null>('/security-policy', body);
			if (saved && typeof saved === 'object')
				policy.setData(saved);
			notifyOk('Security policy saved. It applies at each user\'s next password change.');
		});
	}

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Security Policy" />
			{policy.loading && !policy.data ? <Loading what="policy" /> : (
				<form class="panel narrow-form" id="policy-form" onSubmit={submit} noValidate>
					<fieldset class="plain" disabled={busy}>
						<SelectField id="policy-strength" name="password_strength" label="Password strength"
							value={strength} options={STRENGTHS} onChange={setStrength}
							error={fieldError(err, 'password_strength')} />

						<CheckField id="policy-expiry-enabled" name="expiry_enabled" label="Enable password expiration"
							checked={expiryOn} onChange={setExpiryOn} />
						{expiryOn && (
							<NumberField id="policy-expiry-days" name="expiry_days" label="Passwords expire after (days)"
								value={expiry} onChange={setExpiry} min={1} error={fieldError(err, 'expiry_days')} />
						)}

						<CheckField id="policy-history-enabled" name="history_enabled" label="Prevent password reuse"
							checked={historyOn} onChange={setHistoryOn} />
						{historyOn && (
							<NumberField id="policy-history" name="history" label="Earlier passwords to compare"
								value={history} onChange={setHistory} min={1} error={fieldError(err, 'history')} />
						)}

						<CheckField id="policy-lockout-enabled" name="lockout_enabled" label="Enable account lockout"
							checked={lockOn} onChange={setLockOn} />
						{lockOn && (
							<div class="form-grid">
								<NumberField id="policy-lockout-attempts" name="lockout_max_attempts" label="Maximum log-in attempts"
									value={attempts} onChange={setAttempts} min={1} error={fieldError(err, 'lockout_max_attempts')} />
								<NumberField id="policy-lockout-minutes" name="lockout_minutes" label="Lockout duration (minutes)"
									value={minutes} onChange={setMinutes} min={1} error={fieldError(err, 'lockout_minutes')} />
							</div>
						)}
						<FormActions>
							<button type="submit" id="policy-save" class="primary">Save policy</button>
						</FormActions>
					</fieldset>
				</form>
			)}
		</section>
	);
}
