/*
 * mirror.c - IP/SIP extension recording: live capture on the server's mirror ports
 * (manual: RTP/SIP Interfaces, Mirror Ports, Packet Filters, Addresses, Recorded Devices).
 *
 * A switch copies the PBX's traffic to one or more of our network interfaces.  One thread
 * opens each of them with libpcap (TPACKET_V3 ring of recorder.mirror_buffer_mb, promiscuous,
 * a BPF filter built from the packet filters and the PBX addresses so the kernel drops
 * everything else), polls them together and feeds every frame to the engine (engine.c) that
 * --read uses: the SIP dialogs between the PBX and its phones, their SDP, the RTP of both
 * directions.  Capture times are the kernel's, so the audio keeps wall-clock time exactly as
 * it does offline.
 *
 * Which calls: on a dialog's first RTP packet the engine asks admit(): the phone is the end
 * that is not the PBX (devices.c), it must be in Recorded Devices, "exclude internal calls"
 * drops it when the far party is one of the PBX's extensions, and at most
 * recorder.mirror_max_calls are recorded at once (the licence count: first come, first
 * served; a call over it gets a recordings row "not recorded: limit", never a late start).
 * A MiNET phone has no SIP here: RTP between the PBX and the address of a recorded MiNET
 * phone opens a dialog of its own (rec_dlg_synth), ended when its RTP stops.
 *
 * Calls end with their BYE, or after recorder.mirror_idle seconds without SIP or RTP (a
 * BYE the mirror missed, a MiNET call).  Finished calls go to the service loop through the
 * same rac_done_fn as Record-A-Call, which seals, stores and links them (recdb.c).
 *
 * The same packet seen on two mirror ports (a flow crossing both mirrored segments) is a
 * duplicate to the jitter buffer: played once, counted in "duplicates".
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "log.h"
#include "rec.h"

#define MIRROR_MAX_IFACES 8
#define EXPIRE_EVERY_US 1000000
/* A SIP dialog ends with its BYE; this only bounds one whose BYE the mirror missed (a call
 * held in silence must not lose its second half).  Calls without SIP (MiNET) end after
 * recorder.mirror_idle. */
#define MIRROR_SIP_IDLE_US (3600LL * 1000000)

struct iface {
	pcap_t *h;
	int fd;
	int linktype;
	char name[64];
	uint64_t kernel_drops, if_drops; /* pcap_stats of the last look */
};

struct mirror {
	struct mirror_conf cf;
	struct iface ifs[MIRROR_MAX_IFACES];
	int nifs;
	int stopfd;
	int wakefd;                 /* a control request is queued */
	pthread_t tid;
	int started;
	rac_done_fn done;
	void *done_arg;
	struct rec_engine g;
	int active;                 /* calls being recorded (thread only) */
	uint64_t synth_seq;
	pthread_mutex_t mu;         /* guards devs_next, shared and the control queue */
	struct ctl_node *ctl_head, **ctl_tail;
	struct rec_devset *devs_next; /* a new snapshot for the thread to take */
	struct rec_devset *devs;    /* the thread's */
	struct mirror_stats local;  /* the thread's counters */
	struct mirror_stats shared; /* copied under mu once a second, for health */
};

static int64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the filter ------------------------------------------------------------------------ */

/* "5060, 5062-5070" -> "port 5060 or portrange 5062-5070"; 0, or -1 with err. */
static int
ports_bpf(const char *list, const char *what, char *out, size_t len, char *err, size_t errlen)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	size_t used = 0;
	out[0] = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ", \t", &save); t != NULL; t = strtok_r(NULL, ", \t", &save)) {
		char *end;
		long a = strtol(t, &end, 10), b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (*end != 0 || end == t || a < 1 || b > 65535 || a > b) {
			snprintf(err, errlen, "%s: \"%s\" is not a port or a range lo-hi (1-65535)",
			    what, t);
			return -1;
		}
		int n = a == b ? snprintf(out + used, len - used, "%sport %ld", used ? " or " : "", a) :
		    snprintf(out + used, len - used, "%sportrange %ld-%ld", used ? " or " : "", a, b);
		if (n < 0 || (size_t)n >= len - used) {
			snprintf(err, errlen, "%s: too many entries", what);
			return -1;
		}
		used += (size_t)n;
	}
	if (used == 0) {
		snprintf(err, errlen, "%s is empty", what);
		return -1;
	}
	return 0;
}

int
mirror_filter(const struct mirror_conf *cf, char *out, size_t len, char *err, size_t errlen)
{
	char sip[512], rtp[512], hosts[1024] = "";
	if (ports_bpf(cf->sip_ports, "recorder.mirror_sip_ports", sip, sizeof(sip), err,
	    errlen) != 0 || ports_bpf(cf->rtp_ports, "recorder.mirror_rtp_ports", rtp,
	    sizeof(rtp), err, errlen) != 0)
		return -1;
	/* The PBX's addresses as written (validated by rac_acl_parse): host or net. */
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", cf->pbx);
	size_t used = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ", \t", &save); t != NULL; t = strtok_r(NULL, ", \t", &save)) {
		int n = snprintf(hosts + used, sizeof(hosts) - used, "%s%s %s", used ? " or " : "",
		    strchr(t, '/') ? "net" : "host", t);
		if (n < 0 || (size_t)n >= sizeof(hosts) - used) {
			snprintf(err, errlen, "recorder.pbx_addresses: too many entries");
			return -1;
		}
		used += (size_t)n;
	}
	/* Fragments after the first carry no UDP header, so no ports: let every IP fragment
	 * through (the engine reassembles or counts them). */
	int n = snprintf(out, len, "%s%s%s((udp or tcp) and (%s)) or (udp and (%s)) or "
	    "(ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] = 44)%s",
	    used ? "(" : "", hosts, used ? ") and (" : "", sip, rtp, used ? ")" : "");
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "the packet filter is too long");
		return -1;
	}
	return 0;
}

/* ---- the engine's callbacks (capture thread) ----------------------------------------- */

static void
report(struct mirror *m, const struct rec_dialog *dl, const struct rec_engine_done *d,
    const char *status)
{
	struct rac_report r;
	memset(&r, 0, sizeof(r));
	snprintf(r.call_id, sizeof(r.call_id), "%s", dl->call_id);
	rec_addr_fmt(&dl->invite_src, r.source, sizeof(r.source));
	snprintf(r.extension, sizeof(r.extension), "%s", dl->extension);
	r.kind = "mirror";
	r.status = status;
	r.end_reason = dl->end_reason != NULL ? dl->end_reason : "eof";
	r.start_us = d->t0_us ? d->t0_us : dl->start_us;
	r.end_us = dl->end_us ? dl->end_us : dl->last_us;
	if (d->recorded) {
		snprintf(r.file, sizeof(r.file), "%s", d->file);
		r.written = d->written;
		r.errors = d->errors;
		r.packets = d->packets;
	}
	m->done(m->done_arg, &r);
}

static int
admit(void *arg, struct rec_dialog *dl, int64_t ts_us, char *dir, size_t len)
{
	struct mirror *m = arg;
	char ext[REC_NAME_MAX];
	enum rec_mirror_verdict v;
	if (dl->extension[0]) /* a MiNET dialog: attributed by address when it was made */
		v = REC_MIRROR_RECORD;
	else
		v = rec_mirror_identify(&m->cf.pbx_acl, m->devs, dl, m->cf.exclude_internal, ext,
		    sizeof(ext));
	if (v != REC_MIRROR_RECORD) {
		hs_log_info("mirror.skip", "call_id=%s reason=%s from=%s to=%s",
		    hs_logq(dl->call_id), rec_mirror_verdict_name(v), hs_logq(dl->caller.user),
		    hs_logq(dl->callee.user));
		if (v == REC_MIRROR_INTERNAL)
			m->local.internal++;
		else if (v == REC_MIRROR_NOT_RECORDED)
			m->local.not_recorded_device++;
		else
			m->local.not_pbx++;
		return REC_ADMIT_SKIP;
	}
	if (!dl->extension[0])
		snprintf(dl->extension, sizeof(dl->extension), "%s", ext);
	if (m->active >= m->cf.max_calls) {
		/* First come, first served: no licence now means no recording of this call,
		 * not a late start when one frees up. */
		m->local.refused_limit++;
		hs_log_warn("mirror.limit", "call_id=%s extension=%s max_calls=%d",
		    hs_logq(dl->call_id), hs_logq(dl->extension), m->cf.max_calls);
		return REC_ADMIT_REPORT;
	}
	rec_day_folder(m->cf.path, ts_us, dir, len);
	if (rec_mkdir_p(dir) != 0)
		hs_log_warn("mirror.mkdir_failed", "dir=%s err=%s", hs_logq(dir),
		    hs_logq(strerror(errno)));
	m->active++;
	m->local.recorded++;
	return REC_ADMIT_RECORD;
}

static void
done(void *arg, const struct rec_dialog *dl, const struct rec_engine_done *d)
{
	struct mirror *m = arg;
	if (d->refused) {
		report(m, dl, d, "not_recorded_limit");
		return;
	}
	if (d->open_failed) {
		m->active--;
		report(m, dl, d, "not_recorded_error");
		return;
	}
	if (!d->recorded)
		return; /* no RTP ever came: it was never asked about */
	m->active--;
	report(m, dl, d, "recorded");
}

/* RTP no SIP dialog announced: a recorded MiNET phone talking to the PBX gets a dialog of
 * its own, the phone as the caller. */
static int
unmatched(void *arg, struct rec_engine *g, const struct rec_udp *u)
{
	struct mirror *m = arg;
	const struct rec_addr *phone, *pbx;
	if (m->cf.pbx_acl.n == 0 || u->len < 12 || (u->data[0] & 0xc0) != 0x80)
		return 0;
	if (rac_acl_allows(&m->cf.pbx_acl, &u->dst) && !rac_acl_allows(&m->cf.pbx_acl, &u->src)) {
		phone = &u->src;
		pbx = &u->dst;
	} else if (rac_acl_allows(&m->cf.pbx_acl, &u->src) &&
	    !rac_acl_allows(&m->cf.pbx_acl, &u->dst)) {
		phone = &u->dst;
		pbx = &u->src;
	} else {
		return 0;
	}
	const char *ext = rec_devset_by_ip(m->devs, phone);
	if (ext == NULL)
		return 0;
	char id[REC_CALLID_MAX], a[64];
	rec_addr_fmt(phone, a, sizeof(a));
	snprintf(id, sizeof(id), "minet-%s-%lld-%llu", a, (long long)(u->ts_us / 1000000),
	    (unsigned long long)++m->synth_seq);
	/* Symmetric RTP: each end receives where it sends from. */
	struct rec_dialog *dl = rec_dlg_synth(g->t, id, phone, pbx, u->ts_us);
	if (dl == NULL)
		return 0;
	snprintf(dl->extension, sizeof(dl->extension), "%s", ext);
	snprintf(dl->caller.user, sizeof(dl->caller.user), "%s", ext);
	rec_addr_fmt(pbx, dl->callee.host, sizeof(dl->callee.host));
	rec_addr_fmt(phone, dl->caller.host, sizeof(dl->caller.host));
	m->local.minet++;
	return 1;
}

/* ---- the capture thread ------------------------------------------------------------- */

/* ---- compliance pause/resume (bus commands, queued by the service thread) ------------- */

struct ctl_node {
	struct ctl_node *next;
	struct rac_ctl *ctl;
};

static void
control_one(struct mirror *m, struct rac_ctl *ctl)
{
	struct rec_dialog *dl;
	struct rec_call *c = rec_engine_find(&m->g, ctl->call_id, ctl->extension, &dl);
	ctl->found = c != NULL;
	if (c != NULL) {
		int64_t now = now_us();
		snprintf(ctl->found_call_id, sizeof(ctl->found_call_id), "%s", dl->call_id);
		ctl->changed = (ctl->pause ? rec_call_pause(c, now, "api", &ctl->at_ms) :
		    rec_call_resume(c, now, &ctl->at_ms)) == 0;
		ctl->paused = c->paused;
		if (ctl->changed)
			hs_log_info(ctl->pause ? "recording.paused" : "recording.resumed",
			    "call_id=%s source=mirror by=api at_ms=%lld", hs_logq(dl->call_id),
			    (long long)ctl->at_ms);
	}
	ctl->done(ctl->arg, ctl);
}

static void
control_run(struct mirror *m)
{
	uint64_t n;
	if (read(m->wakefd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&m->mu);
	struct ctl_node *q = m->ctl_head;
	m->ctl_head = NULL;
	m->ctl_tail = &m->ctl_head;
	pthread_mutex_unlock(&m->mu);
	while (q != NULL) {
		struct ctl_node *next = q->next;
		control_one(m, q->ctl);
		free(q);
		q = next;
	}
}

int
mirror_control(mirror *m, struct rac_ctl *ctl)
{
	struct ctl_node *n;
	if (m == NULL || (n = calloc(1, sizeof(*n))) == NULL)
		return -1;
	n->ctl = ctl;
	pthread_mutex_lock(&m->mu);
	*m->ctl_tail = n;
	m->ctl_tail = &n->next;
	pthread_mutex_unlock(&m->mu);
	uint64_t one = 1;
	if (write(m->wakefd, &one, sizeof(one)) < 0)
		hs_log_error("mirror.wake_failed", "err=%s", hs_logq(strerror(errno)));
	return 0;
}

struct pkt_ctx {
	struct mirror *m;
	int linktype;
};

static void
on_frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pkt_ctx *c = (struct pkt_ctx *)arg;
	int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
	c->m->local.packets++;
	rec_engine_packet(&c->m->g, c->linktype, ts, bytes, h->caplen);
}

static void
take_devices(struct mirror *m)
{
	pthread_mutex_lock(&m->mu);
	struct rec_devset *n = m->devs_next;
	m->devs_next = NULL;
	pthread_mutex_unlock(&m->mu);
	if (n != NULL) {
		rec_devset_free(m->devs);
		m->devs = n;
	}
}

static void
publish_stats(struct mirror *m)
{
	for (int i = 0; i < m->nifs; i++) {
		struct pcap_stat ps;
		if (pcap_stats(m->ifs[i].h, &ps) == 0) {
			m->ifs[i].kernel_drops = ps.ps_drop;
			m->ifs[i].if_drops = ps.ps_ifdrop;
		}
	}
	m->local.dropped = 0;
	m->local.if_dropped = 0;
	for (int i = 0; i < m->nifs; i++) {
		m->local.dropped += m->ifs[i].kernel_drops;
		m->local.if_dropped += m->ifs[i].if_drops;
	}
	m->local.active = m->active;
	m->local.engine = m->g.st;
	pthread_mutex_lock(&m->mu);
	m->shared = m->local;
	pthread_mutex_unlock(&m->mu);
}

static void *
run(void *arg)
{
	struct mirror *m = arg;
	struct pollfd pfd[MIRROR_MAX_IFACES + 2];
	struct pkt_ctx ctx[MIRROR_MAX_IFACES];
	for (int i = 0; i < m->nifs; i++) {
		pfd[i].fd = m->ifs[i].fd;
		pfd[i].events = POLLIN;
		ctx[i].m = m;
		ctx[i].linktype = m->ifs[i].linktype;
	}
	pfd[m->nifs].fd = m->stopfd;
	pfd[m->nifs].events = POLLIN;
	pfd[m->nifs + 1].fd = m->wakefd;
	pfd[m->nifs + 1].events = POLLIN;
	int64_t next_expire = now_us() + EXPIRE_EVERY_US;
	int64_t idle = (int64_t)m->cf.idle_s * 1000000;
	for (;;) {
		/* TPACKET_V3 hands blocks over when full or after the ring's timeout (set at
		 * open), so poll wakes at least that often. */
		int n = poll(pfd, (nfds_t)m->nifs + 2, 200);
		if (n < 0 && errno != EINTR)
			break;
		if (pfd[m->nifs].revents)
			break;
		/* Before the packets: a list handed over before they arrived applies to them.  An
		 * uncontended lock. */
		take_devices(m);
		for (int i = 0; i < m->nifs; i++) {
			/* Read even without POLLIN: libpcap may hold a partly read block. */
			int k;
			while ((k = pcap_dispatch(m->ifs[i].h, -1, on_frame, (u_char *)&ctx[i])) > 0)
				;
			if (k == PCAP_ERROR) {
				hs_log_error("mirror.read_failed", "iface=%s err=%s",
				    hs_logq(m->ifs[i].name), hs_logq(pcap_geterr(m->ifs[i].h)));
				m->local.read_errors++;
			}
		}
		if (pfd[m->nifs + 1].revents)
			control_run(m); /* after the packets read so far: they are the past */
		int64_t now = now_us();
		if (now >= next_expire) {
			rec_engine_expire(&m->g, now, MIRROR_SIP_IDLE_US, idle);
			publish_stats(m);
			next_expire = now + EXPIRE_EVERY_US;
		}
	}
	/* Stopping: requests still queued find no call; what is still open is written now. */
	rec_dlg_expire(m->g.t, INT64_MAX, 0, 0, "shutdown");
	control_run(m);
	publish_stats(m);
	return NULL;
}

/* ---- life ------------------------------------------------------------------------------ */

static int
open_iface(struct mirror *m, const char *name, const char *filter, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct iface *i = &m->ifs[m->nifs];
	snprintf(i->name, sizeof(i->name), "%s", name);
	pcap_t *h = pcap_create(name, perr);
	if (h == NULL) {
		snprintf(err, errlen, "%s: %s", name, perr);
		return -1;
	}
	/* Whole frames (a SIP INVITE can be large), a big kernel ring so bursts never drop,
	 * and a short block timeout so a quiet line still hands packets over within 100 ms. */
	pcap_set_snaplen(h, 65535);
	pcap_set_promisc(h, 1);
	pcap_set_timeout(h, 100);
	pcap_set_buffer_size(h, m->cf.buffer_mb * 1024 * 1024);
	int rc = pcap_activate(h);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", name, rc == PCAP_ERROR_PERM_DENIED ?
		    "permission denied (capture needs CAP_NET_RAW)" : pcap_geterr(h));
		pcap_close(h);
		return -1;
	}
	struct bpf_program prog;
	if (pcap_compile(h, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "packet filter: %s", pcap_geterr(h));
		pcap_close(h);
		return -1;
	}
	rc = pcap_setfilter(h, &prog);
	pcap_freecode(&prog);
	if (rc != 0 || pcap_setnonblock(h, 1, perr) != 0 || (i->fd = pcap_get_selectable_fd(h)) < 0) {
		snprintf(err, errlen, "%s: %s", name, rc != 0 ? pcap_geterr(h) : perr);
		pcap_close(h);
		return -1;
	}
	i->h = h;
	i->linktype = pcap_datalink(h);
	m->nifs++;
	return 0;
}

static void
close_all(struct mirror *m)
{
	for (int i = 0; i < m->nifs; i++)
		pcap_close(m->ifs[i].h);
	m->nifs = 0;
	if (m->stopfd >= 0)
		close(m->stopfd);
	if (m->wakefd >= 0)
		close(m->wakefd);
	rec_devset_free(m->devs);
	rec_devset_free(m->devs_next);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

mirror *
mirror_start(const struct mirror_conf *cf, rac_done_fn done_fn, void *arg, char *err,
    size_t errlen)
{
	char filter[2048];
	if (mirror_filter(cf, filter, sizeof(filter), err, errlen) != 0)
		return NULL;
	struct mirror *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->cf = *cf;
	m->done = done_fn;
	m->done_arg = arg;
	m->stopfd = m->wakefd = -1;
	m->ctl_tail = &m->ctl_head;
	pthread_mutex_init(&m->mu, NULL);
	/* Interfaces are opened here, not in the thread, so a wrong name or a missing
	 * privilege is the caller's error to report at once. */
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", cf->ifaces);
	char *save = NULL;
	for (char *t = strtok_r(buf, ", \t", &save); t != NULL; t = strtok_r(NULL, ", \t", &save)) {
		if (m->nifs == MIRROR_MAX_IFACES) {
			snprintf(err, errlen, "more than %d mirror interfaces", MIRROR_MAX_IFACES);
			close_all(m);
			return NULL;
		}
		if (open_iface(m, t, filter, err, errlen) != 0) {
			close_all(m);
			return NULL;
		}
	}
	if (m->nifs == 0) {
		snprintf(err, errlen, "no interface in recorder.mirror_interfaces");
		close_all(m);
		return NULL;
	}
	struct rec_engine_cb cb = { .admit = admit, .done = done, .unmatched = unmatched,
		.arg = m };
	if ((m->stopfd = eventfd(0, EFD_CLOEXEC)) < 0 ||
	    (m->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    rec_engine_init(&m->g, &m->cf.opts, &cb, 0, 1) != 0) {
		snprintf(err, errlen, "%s", strerror(errno ? errno : ENOMEM));
		close_all(m);
		return NULL;
	}
	/* Signals stay with the service thread. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&m->tid, NULL, run, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "thread: %s", strerror(rc));
		rec_engine_fini(&m->g);
		close_all(m);
		return NULL;
	}
	m->started = 1;
	hs_log_info("mirror.capturing", "ifaces=%s filter=%s max_calls=%d",
	    hs_logq(cf->ifaces), hs_logq(filter), cf->max_calls);
	return m;
}

void
mirror_stop(mirror *m)
{
	if (m == NULL)
		return;
	uint64_t one = 1;
	if (write(m->stopfd, &one, sizeof(one)) < 0)
		hs_log_error("mirror.stop_failed", "err=%s", hs_logq(strerror(errno)));
	pthread_join(m->tid, NULL);
	rec_engine_fini(&m->g);
	close_all(m);
}

void
mirror_stats_get(mirror *m, struct mirror_stats *st)
{
	pthread_mutex_lock(&m->mu);
	*st = m->shared;
	pthread_mutex_unlock(&m->mu);
}

void
mirror_set_devices(mirror *m, struct rec_devset *ds)
{
	pthread_mutex_lock(&m->mu);
	struct rec_devset *old = m->devs_next;
	m->devs_next = ds;
	pthread_mutex_unlock(&m->mu);
	rec_devset_free(old);
}
