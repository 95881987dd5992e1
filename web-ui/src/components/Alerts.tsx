/*
 * Alerts.tsx - the visible alert region (errors, role="alert") and the status region
 * (confirmations, role="status") fed by notify.ts.  Both elements are always in the
 * document so screen readers announce a change of their text.
 */
import { clearError, errorNotice, okNotice } from '../notify';
import { useStore } from '../store';

export function AlertRegion() {
	const err = useStore(errorNotice);
	const ok = useStore(okNotice);
	return (
		<div class="notices">
			<div id="app-alert" role="alert" class={err ? 'notice notice-error' : 'notice-empty'}>
				{err && (
					<>
						<span class="notice-text">{err.text}</span>
						<button type="button" class="link-button" id="app-alert-dismiss" onClick={clearError}>
							Dismiss
						</button>
					</>
				)}
			</div>
			<div id="app-status" role="status" class={ok ? 'notice notice-ok' : 'notice-empty'}>
				{ok && <span class="notice-text">{ok.text}</span>}
			</div>
		</div>
	);
}

/* An error shown in place, inside a form (the login and password forms). */
export function InlineError({ id, text }: { id: string; text: string | undefined }) {
	return (
		<p id={id} role="alert" class={text ? 'form-error' : 'form-error empty'}>
			{text}
		</p>
	);
}
