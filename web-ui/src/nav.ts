/*
 * nav.ts - the navigation entries, the permission each needs (API.md) and its route.
 *
 * The left navigation shows only the entries whose permission the user has; main.tsx
 * refuses the route of any other entry.  Each entry's key is the data-nav test hook and
 * the hash path ("#/<key>").  "account" (change own password) is open to everyone.
 */
export interface NavEntry {
	key: string;
	label: string;
	perm: string;
	group: string;
}

export const NAV: NavEntry[] = [
	{ key: 'status', label: 'System Status', perm: 'general.system_status', group: 'Monitoring' },
	{ key: 'extensions', label: 'Extensions', perm: 'reporting.realtime', group: 'Monitoring' },
	{ key: 'calls', label: 'Call List', perm: 'general.web_access', group: 'Monitoring' },
	{ key: 'audit', label: 'Audit', perm: 'general.audit_trail', group: 'Monitoring' },
	{ key: 'users', label: 'Users & Business Units', perm: 'config.users', group: 'Users & Security' },
	{ key: 'roles', label: 'Roles', perm: 'config.security', group: 'Users & Security' },
	{ key: 'profiles', label: 'Security Profiles', perm: 'config.security', group: 'Users & Security' },
	{ key: 'filters', label: 'Access Filters', perm: 'config.security', group: 'Users & Security' },
	{ key: 'policy', label: 'Security Policy', perm: 'config.security', group: 'Users & Security' },
	{ key: 'tokens', label: 'API Tokens', perm: 'config.security', group: 'Users & Security' },
	{ key: 'phone-systems', label: 'Phone Systems', perm: 'config.phone_systems', group: 'Site' },
	{ key: 'devices', label: 'Devices', perm: 'config.phone_systems', group: 'Site' },
	{ key: 'servers', label: 'Servers', perm: 'config.servers', group: 'Site' },
	{ key: 'recorded-devices', label: 'Recorded Devices', perm: 'config.servers', group: 'Site' },
	{ key: 'exclusion-list', label: 'Exclusion List', perm: 'config.exclusion_list', group: 'Site' },
	{ key: 'inclusion-list', label: 'Inclusion List', perm: 'config.inclusion_list', group: 'Site' },
	{ key: 'email', label: 'Email Settings', perm: 'config.email', group: 'Site' },
];

export function allowedEntries(permissions: readonly string[]): NavEntry[] {
	return NAV.filter((e) => permissions.includes(e.perm));
}

/* Where a user lands: the first entry they may open, else their account page. */
export function homePath(permissions: readonly string[]): string {
	const first = allowedEntries(permissions)[0];
	return '/' + (first ? first.key : 'account');
}
