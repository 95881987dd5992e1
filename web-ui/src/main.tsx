/*
 * main.tsx - start-up and the top-level screen choice.
 *
 *   #/reset?token=..            set a new password from an emailed link (no session; the
 *                               gateway's mail says "<public_url>/#/reset?token=...")
 *   no session                  -> #/login?next=<where the user was going>
 *   must_change_password        -> #/password (the forced change), nothing else
 *   otherwise                   the shell with the page of the route; a route the user's
 *                               permissions do not allow, or an unknown one, goes to the
 *                               first page they may open (nav.ts), else #/account.
 */
import { render, type ComponentType } from 'preact';
import { useEffect } from 'preact/hooks';
import { Bare, Shell } from './components/Shell';
import { Loading } from './components/Widgets';
import { homePath, NAV } from './nav';
import { clearNotices } from './notify';
import { replace, useRoute } from './router';
import { loadSession, useSession } from './session';
import { AccessFiltersPage } from './pages/AccessFilters';
import { AuditPage } from './pages/Audit';
import { CallsPage } from './pages/Calls';
import { DevicesPage } from './pages/Devices';
import { EmailPage } from './pages/Email';
import { ExtensionsPage } from './pages/Extensions';
import { LoginPage } from './pages/Login';
import { AccountPage, ForcedPasswordPage, ResetPasswordPage } from './pages/Password';
import { PhoneSystemsPage } from './pages/PhoneSystems';
import { PolicyPage } from './pages/Policy';
import { ProfilesPage } from './pages/Profiles';
import { RecordedDevicesPage } from './pages/RecordedDevices';
import { ExclusionListPage, InclusionListPage } from './pages/RecordingLists';
import { RolesPage } from './pages/Roles';
import { ServersPage } from './pages/Servers';
import { StatusPage } from './pages/Status';
import { TokensPage } from './pages/Tokens';
import { UsersPage } from './pages/Users';

const PAGES: Record<string, ComponentType> = {
	status: StatusPage,
	extensions: ExtensionsPage,
	calls: CallsPage,
	audit: AuditPage,
	users: UsersPage,
	roles: RolesPage,
	profiles: ProfilesPage,
	filters: AccessFiltersPage,
	policy: PolicyPage,
	tokens: TokensPage,
	'phone-systems': PhoneSystemsPage,
	devices: DevicesPage,
	servers: ServersPage,
	'recorded-devices': RecordedDevicesPage,
	'exclusion-list': ExclusionListPage,
	'inclusion-list': InclusionListPage,
	email: EmailPage,
};

/* Change the route after this render (never during it). */
function Redirect({ to }: { to: string }) {
	useEffect(() => replace(to), [to]);
	return null;
}

/* A "next" parameter is only ever one of our own routes. */
function safeNext(next: string | null): string | null {
	return next && /^\/[a-z-]+(\?[^#]*)?$/.test(next) && !/^\/(login|password)\b/.test(next) ? next : null;
}

function App() {
	const session = useSession();
	const route = useRoute();

	useEffect(() => {
		void loadSession();
	}, []);

	useEffect(() => {
		clearNotices();
	}, [route.path]);

	if (route.path === '/reset' || route.path === '/reset-password')
		return <Bare><ResetPasswordPage token={route.params.get('token') ?? ''} /></Bare>;

	if (session.phase === 'loading')
		return <Bare><Loading /></Bare>;

	const here = route.path + (route.params.toString() ? '?' + route.params.toString() : '');

	if (session.phase === 'anonymous') {
		if (route.path !== '/login') {
			const next = safeNext(here);
			return <Redirect to={'/login' + (next ? '?next=' + encodeURIComponent(next) : '')} />;
		}
		return <Bare><LoginPage key={String(session.expired)} expired={session.expired} /></Bare>;
	}

	const user = session.user;
	const next = safeNext(route.params.get('next'));

	if (user.must_change_password) {
		if (route.path !== '/password') {
			const n = route.path === '/login' ? next : safeNext(here);
			return <Redirect to={'/password' + (n ? '?next=' + encodeURIComponent(n) : '')} />;
		}
		return <Bare><ForcedPasswordPage user={user} /></Bare>;
	}

	const key = route.path.slice(1);
	if (key === 'login' || key === 'password' || key === '')
		return <Redirect to={next ?? homePath(user.permissions)} />;

	if (key === 'account')
		return <Shell user={user} active="account"><AccountPage user={user} /></Shell>;

	const entry = NAV.find((e) => e.key === key);
	const Page = PAGES[key];
	if (!entry || !Page || !user.permissions.includes(entry.perm))
		return <Redirect to={homePath(user.permissions)} />;

	return (
		<Shell user={user} active={key}>
			<Page key={key} />
		</Shell>
	);
}

const root = document.getElementById('app');
if (root) {
	root.textContent = '';
	render(<App />, root);
}
