/*
 * disk.c - free-space monitoring (the manual's "Drive space warning threshold").
 *
 * Every local file system is checked every watchdog.disk_check_interval seconds and when the
 * settings change.  Below the threshold (settings key watchdog.drive_space_threshold_pct, per
 * server or site-wide) one disk.low alert is raised per file system; it is cleared when the
 * space comes back.  Pseudo and read-only image file systems are not drives and are skipped.
 */
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "watchdog.h"

static const char *const pseudo_fs[] = {
	"proc", "sysfs", "tmpfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "mqueue",
	"debugfs", "tracefs", "securityfs", "pstore", "bpf", "hugetlbfs", "autofs", "configfs",
	"fusectl", "squashfs", "nsfs", "ramfs", "rpc_pipefs", "binfmt_misc", "efivarfs",
	"selinuxfs", "iso9660", "nfsd", NULL,
};

static int
is_pseudo(const char *type)
{
	for (int i = 0; pseudo_fs[i] != NULL; i++)
		if (strcmp(type, pseudo_fs[i]) == 0)
			return 1;
	return 0;
}

/* Rebuilds the list of drives, keeping the low flags of those still present. */
static void
disk_scan(struct wd *wd)
{
	struct wd_disk old[32];
	dev_t seen[32];
	int nold = wd->ndisks, n = 0;
	struct mntent *m;
	FILE *f;

	memcpy(old, wd->disks, sizeof(old));
	if ((f = setmntent("/proc/self/mounts", "r")) == NULL)
		return;
	while ((m = getmntent(f)) != NULL && n < 32) {
		struct stat sb;
		struct statvfs vb;
		int dup = 0;

		if (is_pseudo(m->mnt_type) || stat(m->mnt_dir, &sb) != 0 ||
		    statvfs(m->mnt_dir, &vb) != 0 || vb.f_blocks == 0 || !S_ISDIR(sb.st_mode))
			continue;
		for (int i = 0; i < n; i++)
			dup |= seen[i] == sb.st_dev;
		if (dup)
			continue;
		seen[n] = sb.st_dev;
		memset(&wd->disks[n], 0, sizeof(wd->disks[n]));
		snprintf(wd->disks[n].mount, sizeof(wd->disks[n].mount), "%s", m->mnt_dir);
		snprintf(wd->disks[n].fstype, sizeof(wd->disks[n].fstype), "%s", m->mnt_type);
		for (int i = 0; i < nold; i++)
			if (strcmp(old[i].mount, m->mnt_dir) == 0)
				wd->disks[n].low = old[i].low;
		n++;
	}
	endmntent(f);
	wd->ndisks = n;
}

static void
fmt_bytes(char *buf, size_t len, unsigned long long b)
{
	const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, unit[u]);
}

void
wd_disk_check(struct wd *wd)
{
	if (wd->db_state == WD_DB_OK)
		wd->disk_threshold_pct =
		    wd_db_setting_double(wd, "watchdog.drive_space_threshold_pct", 10);
	disk_scan(wd);
	for (int i = 0; i < wd->ndisks; i++) {
		struct wd_disk *d = &wd->disks[i];
		struct statvfs vb;
		char fb[32], tb[32];

		if (statvfs(d->mount, &vb) != 0)
			continue;
		d->total_bytes = (unsigned long long)vb.f_blocks * vb.f_frsize;
		d->free_bytes = (unsigned long long)vb.f_bavail * vb.f_frsize;
		d->free_pct = 100.0 * (double)vb.f_bavail / (double)vb.f_blocks;
		if (d->free_pct < wd->disk_threshold_pct && !d->low) {
			fmt_bytes(fb, sizeof(fb), d->free_bytes);
			fmt_bytes(tb, sizeof(tb), d->total_bytes);
			d->low = true;
			wd_alert(wd, "warning", "watchdog", "disk.low", d->mount,
			    "drive %s has %.1f%% free (%s of %s), below the %.0f%% threshold",
			    d->mount, d->free_pct, fb, tb, wd->disk_threshold_pct);
		} else if (d->free_pct >= wd->disk_threshold_pct && d->low) {
			d->low = false;
			wd_alert_clear(wd, "watchdog", "disk.low", d->mount);
		}
	}
}

void
wd_disk_init(struct wd *wd)
{
	char keys[32][256];
	int n;

	wd->disk_threshold_pct = 10;
	disk_scan(wd);
	/* Alerts still open from before a restart: do not raise them twice. */
	n = wd_db_open_alert_keys(wd, "disk.low", keys, 32);
	for (int k = 0; k < n; k++)
		for (int i = 0; i < wd->ndisks; i++)
			if (strcmp(keys[k], wd->disks[i].mount) == 0)
				wd->disks[i].low = true;
}
