/*
 * Shell.tsx - the frame around every page once logged in: a skip link, the top bar (site
 * name, the user's name, "My account", "Log out"), the navigation (only the entries the
 * user's permissions allow, grouped) and the main region.
 *
 * Wide screens show the navigation as a column on the left; below 900px (a 768px tablet)
 * it becomes a menu under the top bar, every entry still one Tab stop away.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { allowedEntries, type NavEntry } from '../nav';
import { displayName, logout, type User } from '../session';
import { AlertRegion } from './Alerts';

function groups(entries: NavEntry[]): Array<[string, NavEntry[]]> {
	const out: Array<[string, NavEntry[]]> = [];
	for (const e of entries) {
		const last = out[out.length - 1];
		if (last && last[0] === e.group)
			last[1].push(e);
		else
			out.push([e.group, [e]]);
	}
	return out;
}

export function Shell(p: { user: User; active: string; children: ComponentChildren }) {
	const entries = allowedEntries(p.user.permissions);
	const main = useRef<HTMLElement>(null);
	const first = useRef(true);

	// Move focus to the new page's heading on a route change (not on the first render),
	// so a keyboard or screen reader user lands on the new content and hears its name;
	// main when a page has no heading.  The page's own effects (PageHeader sets
	// document.title) have run by now.
	useEffect(() => {
		if (first.current) {
			first.current = false;
			return;
		}
		const h1 = main.current?.querySelector<HTMLElement>('#page-title');
		(h1 ?? main.current)?.focus();
	}, [p.active]);

	return (
		<div class="app">
			<a class="skip-link" id="skip-link" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>
				Skip to content
			</a>
			<header class="topbar">
				<a class="brand" id="brand" href={'#/' + (entries[0]?.key ?? 'account')}>
					<span class="brand-mark" aria-hidden="true" />
					Hookswitch
				</a>
				<div class="topbar-user">
					<span class="user-name" id="user-name" title={p.user.username}>{displayName(p.user)}</span>
					{p.user.role && <span class="user-role">{p.user.role}</span>}
					<a href="#/account" id="nav-account" data-nav="account"
						aria-current={p.active === 'account' ? 'page' : undefined}>
						My account
					</a>
					<button type="button" id="logout" class="secondary" onClick={() => { void logout(); }}>
						Log out
					</button>
				</div>
			</header>
			<div class="body">
				{entries.length > 0 && (
					<nav class="sidenav" aria-label="Main">
						{groups(entries).map(([g, list]) => (
							<div class="nav-group" key={g}>
								<h2 class="nav-group-title">{g}</h2>
								<ul>
									{list.map((e) => (
										<li key={e.key}>
											<a
												href={'#/' + e.key}
												id={'nav-' + e.key}
												data-nav={e.key}
												aria-current={p.active === e.key ? 'page' : undefined}
											>
												{e.label}
											</a>
										</li>
									))}
								</ul>
							</div>
						))}
					</nav>
				)}
				<main id="main" class="main" tabIndex={-1} ref={main}>
					<AlertRegion />
					{p.children}
				</main>
			</div>
		</div>
	);
}

/* The frame of the screens before the shell: login, forced change, password reset. */
export function Bare(p: { children: ComponentChildren }) {
	return (
		<div class="bare">
			<main id="main" class="bare-main">
				<div class="bare-brand"><span class="brand-mark" aria-hidden="true" />Hookswitch</div>
				<AlertRegion />
				{p.children}
			</main>
		</div>
	);
}
