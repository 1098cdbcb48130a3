#!/usr/bin/env python3
# gen-postfix-log.py - seeded, deterministic generator of realistic Postfix logs for a small UK
# council mail server (ourcouncil.example.org), with the exact figures that mailtls must report
# for them under the counting rules of shared/eval-public/README.md.
#
# It simulates the mail system (postscreen, smtpd/submission/smtps, an amavis content-filter hop
# with re-injection, qmgr, parallel smtp processes, LMTP to Dovecot, bounces, retries) and writes
# the log lines in time order. The truth file is computed from the generator's own decisions, and
# each figure is counted when its line is written, so a log cut short by --size or by the end of
# the time window still matches its truth exactly.
#
# Python 3 standard library only. Failure modes: bad options exit with status 2 and a message on
# stderr; a closed stdout (e.g. `| head`) ends the run quietly with status 0; any other write
# error is reported with a traceback. Memory stays proportional to the mail in flight, never to
# the amount of output, so --size 1G streams to stdout without holding it.

import argparse
import bisect
import calendar
import gzip
import heapq
import json
import os
import random
import sys
import time

# ---------------------------------------------------------------------------------------------
# Fixed names. Everything below is invented; domains, hosts and addresses use documentation
# names and ranges only (example.com/.net/.org, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
# 2001:db8::/32).

US = 'ourcouncil.example.org'
MYHOST = 'mail.' + US
MYADDR = '198.51.100.25'
LMTP_RELAY = MYHOST + '[private/dovecot-lmtp]'
AMAVIS_RELAY = '127.0.0.1[127.0.0.1]:10024'

FIRST = ('james oliver harry jack george noah charlie jacob alfie freddie oscar leo archie '
         'thomas william joshua henry daniel samuel joseph isaac lewis ethan mohammed adam '
         'amelia olivia isla emily ava lily mia sophia isabella grace poppy ella evie jessica '
         'ruby sophie chloe freya charlotte daisy alice sienna florence phoebe matilda rosie '
         'sarah helen karen claire rachel emma joanne nicola gemma lisa susan margaret '
         'david paul mark andrew richard stephen peter ian gareth rhys dylan owen siobhan '
         'priya anika farah yusuf bilal aisha zara imran nadia tomasz agnieszka').split()
LAST = ('smith jones williams taylor brown davies evans wilson thomas johnson roberts '
        'robinson thompson wright walker white edwards hughes green hall lewis harris clarke '
        'patel jackson wood turner martin cooper hill ward morris moore clark lee king baker '
        'harrison morgan allen james scott phillips watson davis parker price bennett young '
        'griffiths mitchell kelly cook carter richardson bailey collins bell shaw murphy miller '
        'cox richards khan marshall anderson simpson ellis adams singh begum wilkinson foster '
        'chapman powell webb rogers gray mason ali hunt hussain campbell matthews owen palmer '
        'holmes mills barnes knight lloyd butler russell barker fisher stevens jenkins '
        'pritchard kowalski nowak okafor mensah').split()
WORDS = ('amber anchor apex arbor aspen aurora beacon birch blue boulder bright brook cascade '
         'cedar citadel clover cobalt coral crest crystal dale delta ember fern field forge '
         'glacier glen granite green harbor hazel heath holly iron ivy juniper lake lantern '
         'larch linden maple marsh meadow meridian mill moss north oak orchard osprey pebble '
         'pine pioneer quarry quartz raven ridge river rowan sage silver solstice spruce stone '
         'summit thistle timber vale willow wren').split()
TRADES = ('legal surveyors builders roofing plumbing architects accountants consulting '
          'catering transport motors printing security cleaning landscapes traffic data '
          'careers training tutors energy dental pharmacy vets estates lettings').split()
TLDS = ('example.com', 'example.net', 'example.org')

ROLE_BOXES = ['planning', 'council.tax', 'housing.options', 'foi', 'customer.services',
              'licensing', 'environmental.health', 'waste', 'benefits', 'electoral',
              'democratic.services', 'hr', 'payroll', 'procurement', 'building.control',
              'parking', 'highways', 'social.care', 'safeguarding', 'it.servicedesk']

MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split()

# TLS cipher/suffix material. Suffix variants are the ones seen in real logs (corpus).
CIPHERS_13 = ['TLS_AES_256_GCM_SHA384 (256/256 bits)', 'TLS_AES_256_GCM_SHA384 (256/256 bits)',
              'TLS_AES_128_GCM_SHA256 (128/128 bits)', 'TLS_CHACHA20_POLY1305_SHA256 (256/256 bits)']
CIPHERS_12 = ['ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)', 'ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
              'ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)', 'ECDHE-ECDSA-AES256-GCM-SHA384 (256/256 bits)',
              'DHE-RSA-AES256-GCM-SHA384 (256/256 bits)', 'ECDHE-RSA-AES256-SHA384 (256/256 bits)']
CIPHERS_LEGACY = ['ECDHE-RSA-AES256-SHA (256/256 bits)', 'DHE-RSA-AES256-SHA (256/256 bits)',
                  'AES256-SHA (256/256 bits)']
CIPHER_ANON = 'ADH-AES256-SHA (256/256 bits)'
SIG_SUFFIXES = ['server-signature RSA-PSS (2048 bits) server-digest SHA256',
                'server-signature RSA-PSS (2048 bits) server-digest SHA256',
                'server-signature RSA-PSS (4096 bits) server-digest SHA256',
                'server-signature ECDSA (P-256) server-digest SHA256',
                'server-signature RSA-PSS (4096 bits)']

# OpenSSL 3 error queue texts, as printed by "warning: TLS library problem: ...".
LIB_WRONG_VERSION = 'error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:'
LIB_UNSUPPORTED = 'error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_lib.c:1983:'
LIB_ALERT_HS = 'error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1584:SSL alert number 40'
LIB_DH_SMALL = 'error:0A00018A:SSL routines::dh key too small:../ssl/statem/statem_clnt.c:2100:'
LIB_NO_SHARED = 'error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2220:'

CANNOT_START = 'Cannot start TLS: handshake failure'
NOT_VERIFIED = 'Server certificate not verified'

# TLS fault kinds a destination can have, with the category the counting rules give them.
FAULT_CATEGORY = {
    'T01': 'T01', 'T02': 'T02', 'T03': 'T03', 'T05wv': 'T05', 'T05up': 'T05', 'T06': 'T06',
    'T07': 'T07', 'T08': 'T08', 'T09': 'T09', 'T10ss': 'T10', 'T10ui': 'T10', 'T12': 'T12',
    'T13': 'T13', 'T14': 'T14',
}
HANDSHAKE_LIB = {'T05wv': LIB_WRONG_VERSION, 'T05up': LIB_UNSUPPORTED, 'T06': LIB_ALERT_HS,
                 'T07': LIB_DH_SMALL}
MANDATORY = ('secure', 'dane', 'encrypt')

# ---------------------------------------------------------------------------------------------
# Time: internal times are UTC epoch seconds (floats); lines carry UK local time.


def _last_sunday(year, month):
    day = calendar.monthrange(year, month)[1]
    return day - ((calendar.weekday(year, month, day) - 6) % 7)


class Clock:
    """Europe/London local time (GMT/BST) and the four line prefix styles."""

    def __init__(self, style):
        self.style = style
        self._bst = {}
        self._sec = -1
        self._base = ''
        self._off = 0

    def offset(self, t):
        year = time.gmtime(t).tm_year
        b = self._bst.get(year)
        if b is None:
            b = (calendar.timegm((year, 3, _last_sunday(year, 3), 1, 0, 0)),
                 calendar.timegm((year, 10, _last_sunday(year, 10), 1, 0, 0)))
            self._bst[year] = b
        return 3600 if b[0] <= t < b[1] else 0

    def local(self, t):
        return time.gmtime(int(t) + self.offset(t))

    def stamp(self, t):
        s = int(t)
        if s != self._sec:
            self._sec = s
            off = self.offset(s)
            tm = time.gmtime(s + off)
            st = self.style
            if st == 'traditional':
                self._base = '%s %2d %02d:%02d:%02d' % (MONTHS[tm.tm_mon - 1], tm.tm_mday,
                                                         tm.tm_hour, tm.tm_min, tm.tm_sec)
            elif st == 'maillog':
                self._base = '%s %02d %02d:%02d:%02d' % (MONTHS[tm.tm_mon - 1], tm.tm_mday,
                                                          tm.tm_hour, tm.tm_min, tm.tm_sec)
            elif st == 'rfc3339':
                self._base = '%04d-%02d-%02dT%02d:%02d:%02d' % tm[:6]
                self._off = '+01:00' if off else '+00:00'
            else:  # journal-iso: journalctl -o short-iso, offset without colon
                self._base = '%04d-%02d-%02dT%02d:%02d:%02d%s' % (tm[:6] + ('+0100' if off else '+0000',))
        if self.style == 'rfc3339':
            return '%s.%06d%s' % (self._base, int((t - s) * 1e6), self._off)
        return self._base

    def anvil_stamp(self, t):
        tm = self.local(t)
        return '%s %2d %02d:%02d:%02d' % (MONTHS[tm.tm_mon - 1], tm.tm_mday, tm.tm_hour,
                                          tm.tm_min, tm.tm_sec)

    def msgid_stamp(self, t):
        return '%04d%02d%02d%02d%02d%02d' % self.local(t)[:6]


def fmt_delay(x):
    """Postfix-style delay: two significant digits, at most two decimals, 0 for tiny values."""
    if x < 0.005:
        return '0'
    if x >= 10:
        return '%d' % round(x)
    if x >= 1:
        s = '%.1f' % x
    else:
        s = '%.2f' % x
    s = s.rstrip('0').rstrip('.')
    return s or '0'


# ---------------------------------------------------------------------------------------------
# Output


class Sink:
    """Buffered line writer: one stream (file, .gz file or stdout) or a Debian-style rotated set."""

    def __init__(self, clock, host, path, rotate_dir, cuts, size_limit):
        self.clock = clock
        self.host = host
        self.size_limit = size_limit
        self.nbytes = 0
        self.nlines = 0
        self.buf = []
        self.buf_bytes = 0
        self.full = False
        self.cuts = cuts            # rotation times (UTC); empty for a single stream
        self.cut_i = 0
        self.rotate_dir = rotate_dir
        self.path = path
        self.fh = None
        self.files = []
        self.first = None
        self.last = None
        if rotate_dir:
            os.makedirs(rotate_dir, exist_ok=True)
            self.names = rotated_names(len(cuts) + 1)
            self._open(0)
        elif path and path != '-':
            self.fh = self._open_path(path, os.path.basename(path), 0)
            self.files.append(path)
        else:
            self.fh = sys.stdout.buffer
        self.next_cut = cuts[0] if cuts else float('inf')

    def _open_path(self, path, name, mtime):
        if path.endswith('.gz'):
            raw = open(path, 'wb')
            return gzip.GzipFile(filename=name[:-3], mode='wb', fileobj=raw, mtime=mtime, compresslevel=6)
        return open(path, 'wb')

    def _open(self, i):
        name = self.names[i]
        path = os.path.join(self.rotate_dir, name)
        mtime = int(self.cuts[i]) if i < len(self.cuts) else 0
        self.fh = self._open_path(path, name, mtime)
        self.files.append(path)

    def write(self, t, tag, text):
        if t >= self.next_cut:
            self.flush()
            self._close_current()
            self.cut_i += 1
            self._open(self.cut_i)
            self.next_cut = self.cuts[self.cut_i] if self.cut_i < len(self.cuts) else float('inf')
        line = '%s %s %s: %s\n' % (self.clock.stamp(t), self.host, tag, text)
        self.buf.append(line)
        n = len(line)
        self.buf_bytes += n
        self.nbytes += n
        self.nlines += 1
        if self.first is None:
            self.first = t
        self.last = t
        if self.buf_bytes >= 262144:
            self.flush()
        if self.nbytes >= self.size_limit:
            self.full = True

    def flush(self):
        if self.buf:
            self.fh.write(''.join(self.buf).encode('ascii'))
            self.buf = []
            self.buf_bytes = 0

    def _close_current(self):
        if self.fh is not None and self.fh is not sys.stdout.buffer:
            inner = getattr(self.fh, 'fileobj', None)
            self.fh.close()
            if inner is not None:
                inner.close()

    def close(self):
        self.flush()
        if self.fh is sys.stdout.buffer:
            self.fh.flush()
        else:
            self._close_current()
        # A rotated set always has all its files, even when a day had no line.
        while self.rotate_dir and self.cut_i < len(self.cuts):
            self.cut_i += 1
            self._open(self.cut_i)
            self._close_current()


def rotated_names(n):
    """Debian logrotate names, oldest first: ..., mail.log.2.gz, mail.log.1, mail.log."""
    names = []
    for i in range(n):
        k = n - 1 - i
        names.append('mail.log' if k == 0 else 'mail.log.1' if k == 1 else 'mail.log.%d.gz' % k)
    return names


# ---------------------------------------------------------------------------------------------
# Truth: every figure is applied when its line is written.


class Truth:
    def __init__(self):
        z = lambda: {'delivered': 0, 'tls': 0, 'plaintext': 0, 'unknown': 0,
                     'by_version': {}, 'by_trust': {}, 'evidence': 0}
        self.out = z()
        self.inb = z()
        self.domains = {}
        self.out_summary_seen = False
        self.in_summary_seen = False
        self.fail_total = 0
        self.fail_status = {}
        self.fail_cat = {}
        self.fail_domain = {}
        self.samples = []
        self.ndrs = 0
        self.ndr_links = []

    @staticmethod
    def _bump(d, k):
        d[k] = d.get(k, 0) + 1

    def apply(self, tr):
        kind = tr[0]
        if kind == 'O':                       # ('O', domain, state, version, trust)
            _, dom, state, ver, trust = tr
            o = self.out
            o['delivered'] += 1
            d = self.domains.get(dom)
            if d is None:
                d = self.domains[dom] = {'delivered': 0, 'tls': 0, 'plaintext': 0, 'evidence': 0}
            d['delivered'] += 1
            if state == 'tls':
                o['tls'] += 1
                d['tls'] += 1
                self._bump(o['by_version'], ver)
                self._bump(o['by_trust'], trust)
            elif state == 'plaintext':
                o['plaintext'] += 1
                d['plaintext'] += 1
            else:                               # decided by the evidence rule at the end
                o['evidence'] += 1
                d['evidence'] += 1
        elif kind == 'I':                     # ('I', state, version, trust)
            _, state, ver, trust = tr
            i = self.inb
            i['delivered'] += 1
            if state == 'tls':
                i['tls'] += 1
                self._bump(i['by_version'], ver)
                self._bump(i['by_trust'], trust)
            else:
                i['evidence'] += 1
        elif kind == 'F':                     # ('F', status, category, domain, qid, rcpt, sender)
            _, status, cat, dom, qid, rcpt, sender = tr
            self.fail_total += 1
            self._bump(self.fail_status, status)
            self._bump(self.fail_cat, cat)
            self._bump(self.fail_domain.setdefault(dom, {}), cat)
            if len(self.samples) < 40 and not any(s['category'] == cat and s['status'] == status
                                                  for s in self.samples):
                self.samples.append({'id': qid, 'recipient': rcpt, 'domain': dom,
                                     'sender': sender, 'category': cat, 'status': status})
        elif kind == 'N':                     # ('N', old qid, new qid)
            self.ndrs += 1
            if len(self.ndr_links) < 2000:
                self.ndr_links.append([tr[1], tr[2]])
        elif kind == 'TO':
            self.out_summary_seen = True
        elif kind == 'TI':
            self.in_summary_seen = True

    @staticmethod
    def _side(s, evidence_seen):
        res = {'delivered': s['delivered'], 'tls': s['tls'], 'plaintext': s['plaintext'],
               'unknown': s['unknown']}
        if evidence_seen:
            res['plaintext'] += s['evidence']
        else:
            res['unknown'] += s['evidence']
        known = res['tls'] + res['plaintext']
        res['tls_percent'] = round(100.0 * res['tls'] / known, 4) if known else None
        res['by_version'] = dict(sorted(s['by_version'].items()))
        res['by_trust'] = dict(sorted(s['by_trust'].items()))
        return res

    def result(self):
        doms = {}
        for name in sorted(self.domains):
            d = self.domains[name]
            ev = d['evidence']
            doms[name] = {'delivered': d['delivered'], 'tls': d['tls'],
                          'plaintext': d['plaintext'] + (ev if self.out_summary_seen else 0),
                          'unknown': 0 if self.out_summary_seen else ev}
        return {
            'outbound': self._side(self.out, self.out_summary_seen),
            'inbound': self._side(self.inb, self.in_summary_seen),
            'domains': doms,
            'failures': {'total': self.fail_total,
                         'by_category': dict(sorted(self.fail_cat.items())),
                         'by_status': dict(sorted(self.fail_status.items()))},
            'ndrs': self.ndrs,
            'sample_failures': self.samples,
            'failures_by_domain': {k: dict(sorted(v.items()))
                                   for k, v in sorted(self.fail_domain.items())},
            'ndr_links': self.ndr_links,
        }


# ---------------------------------------------------------------------------------------------
# Processes


class Proc:
    __slots__ = ('pid', 'tag', 'busy', 'last', 'uses')

    def __init__(self, pid, prog):
        self.pid = pid
        self.tag = '%s[%d]' % (prog, pid)
        self.busy = 0.0
        self.last = 0.0
        self.uses = 0


class Pool:
    """Processes of one master.cf service: reused up to max_use, exit after max_idle seconds."""

    def __init__(self, sim, prog, max_use=100, max_idle=100.0):
        self.sim = sim
        self.prog = prog
        self.max_use = max_use
        self.max_idle = max_idle
        self.procs = []

    def get(self, start):
        """A process free at `start`; the caller must call done(proc, end)."""
        idle = []
        keep = []
        for p in self.procs:
            if p.busy <= start and (start - p.last > self.max_idle or p.uses >= self.max_use):
                self.sim.free_pid(p.pid)         # exited
                continue
            keep.append(p)
            if p.busy <= start:
                idle.append(p)
        self.procs = keep
        if idle:
            p = idle[self.sim.rng.randrange(len(idle))] if len(idle) > 1 else idle[0]
        else:
            p = Proc(self.sim.new_pid(), self.prog)
            self.procs.append(p)
        p.uses += 1
        p.busy = float('inf')
        return p

    def done(self, p, end):
        p.busy = end
        p.last = end

    def reset(self):
        """Postfix restart: idle processes are gone; busy ones finish and are not reused."""
        for p in self.procs:
            p.uses = self.max_use
        for p in list(self.procs):
            if p.busy != float('inf'):
                self.procs.remove(p)
                self.sim.free_pid(p.pid)


# ---------------------------------------------------------------------------------------------
# World: remote hosts and domains


class Host:
    __slots__ = ('name', 'ip', 'port', 'namaddr', 'relay', 'starttls', 'ver', 'cipher', 'suffix',
                 'adj', 'style', 'cache_until', 'cache_uses', 'rdns')

    def __init__(self, name, ip, port=25):
        self.name = name
        self.ip = ip
        self.port = port
        self.namaddr = '%s[%s]' % (name, ip)
        self.relay = '%s:%d' % (self.namaddr, port)
        self.starttls = True
        self.ver = 'TLSv1.3'
        self.cipher = CIPHERS_13[0]
        self.suffix = ''
        self.adj = 'Trusted'
        self.style = 'postfix'
        self.cache_until = -1.0
        self.cache_uses = 0
        self.rdns = True


class Domain:
    __slots__ = ('name', 'role', 'w_out', 'w_in', 'mx', 'senders', 'policy', 'fault', 'up_mean',
                 'down_mean', 'broken', 'next_change', 'dead_from', 'dead_until', 'dead_reason',
                 'dead_dsn', 'dead_cat', 'greylist', 'client_adj', 'transport', 'locals')

    def __init__(self, name, role):
        self.name = name
        self.role = role
        self.w_out = 0.0
        self.w_in = 0.0
        self.mx = []
        self.senders = []
        self.policy = 'may'
        self.fault = None
        self.up_mean = 0.0
        self.down_mean = 0.0
        self.broken = False
        self.next_change = float('inf')
        self.dead_from = float('inf')
        self.dead_until = -1.0
        self.dead_reason = ''
        self.dead_dsn = ''
        self.dead_cat = ''
        self.greylist = 0.0
        self.client_adj = None
        self.transport = 'smtp'
        self.locals = []

    def fault_at(self, t, rng):
        """The domain's fault kind at time t (None when healthy). t never decreases."""
        if self.fault is None:
            return None
        while t >= self.next_change:
            self.broken = not self.broken
            mean = self.down_mean if self.broken else self.up_mean
            self.next_change += mean * rng.uniform(0.6, 1.4) if mean > 0 else float('inf')
        return self.fault if self.broken else None


class Msg:
    __slots__ = ('qid', 'inode', 'sender', 'size', 'msgid', 'arrival', 'pending', 'nrcpt', 'ndr',
                 'attempts', 'origin', 'orig_to', 'filtered', 'orig_client')

    def __init__(self):
        self.pending = []
        self.ndr = False
        self.attempts = 0
        self.orig_to = {}
        self.filtered = False
        self.orig_client = None


# ---------------------------------------------------------------------------------------------
# The simulation


class Sim:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.v311 = args.version == '3.11'
        self.heap = []
        self.seq = 0
        self.truth = Truth()
        self.clock = Clock(args.prefix)
        self.start = args.start_ts
        self.end = args.end_ts
        self.pid_max = 4194304
        self.next_pidv = self.rng.randint(20000, 400000)
        self.live = {}
        self.inodes_free = []
        self.inode_next = self.rng.randint(0x180000, 0x2F0000)
        self.seen_clients = {}
        self.arrivals = 0
        self.openssl_lower = self.v311     # newer OpenSSL prints "x25519"
        self.build_pools()
        self.build_world()
        self.engine_out = (float('inf'), float('-inf'))
        self.amavis_down = (float('inf'), float('-inf'))

    # --- plumbing ---------------------------------------------------------------------------

    def line(self, t, tag, text, tr=None):
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, None, tag, text, tr))

    def at(self, t, fn, arg=None):
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, fn, arg, None, None))

    def new_pid(self):
        while True:
            self.next_pidv += self.rng.randint(1, 9)
            if self.next_pidv >= self.pid_max:
                self.next_pidv = 300 + self.rng.randint(0, 500)
            if self.next_pidv not in self.live:
                self.live[self.next_pidv] = True
                return self.next_pidv

    def free_pid(self, pid):
        self.live.pop(pid, None)

    def single(self, prog):
        return '%s[%d]' % (prog, self.new_pid())

    def new_qid(self, t):
        if self.inodes_free and self.rng.random() < 0.85:
            inode = self.inodes_free.pop(self.rng.randrange(len(self.inodes_free)))
        else:
            self.inode_next += self.rng.randint(1, 40)
            inode = self.inode_next
        usec = int((t - int(t)) * 1e6)
        return '%05X%X' % (usec, inode), inode

    def free_inode(self, t, inode):
        self.inodes_free.append(inode)
        if len(self.inodes_free) > 4000:
            self.inodes_free.pop(0)

    def build_pools(self):
        P = Pool
        self.p_smtpd = P(self, 'postfix/smtpd')
        self.p_reinject = P(self, 'postfix/smtpd')
        self.p_sub = P(self, 'postfix/submission/smtpd')
        self.p_smtps = P(self, 'postfix/smtps/smtpd')
        self.p_cleanup = P(self, 'postfix/cleanup', max_use=100, max_idle=100)
        self.p_smtp = P(self, 'postfix/smtp')
        self.p_relay = P(self, 'postfix/relay/smtp')
        self.p_amavis = P(self, 'postfix/smtp')
        self.p_lmtp = P(self, 'postfix/lmtp')
        self.p_bounce = P(self, 'postfix/bounce')
        self.p_error = P(self, 'postfix/error')
        self.pools = [self.p_smtpd, self.p_reinject, self.p_sub, self.p_smtps, self.p_cleanup,
                      self.p_smtp, self.p_relay, self.p_amavis, self.p_lmtp, self.p_bounce,
                      self.p_error]
        self.qmgr = self.single('postfix/qmgr')
        self.pickup = self.single('postfix/pickup')
        self.postscreen = self.single('postfix/postscreen')
        self.anvil = None

    # --- world ------------------------------------------------------------------------------

    def build_world(self):
        r = random.Random(self.args.seed * 7919 + 17)
        self.wr = r
        ips = ['192.0.2.%d' % i for i in range(2, 255)] + ['203.0.113.%d' % i for i in range(2, 201)]
        r.shuffle(ips)
        self.ip_pool = ips
        self.ip_i = 0
        self.v6_i = 0x10
        self.domains = {}
        self.doms_out = []
        self.doms_in = []

        # name, role, w_out, w_in, mx count, policy, profile, fault spec (kind, mean hours up,
        # mean hours down; a negative "up" means broken from the start)
        spec = [
            ('mailbox.example.com', 'big', 14, 16, 4, 'may', 'big13', None),
            ('freemail.example.net', 'big', 9, 10, 3, 'dane', 'dane13', None),
            ('homebroadband.example.net', 'big', 5, 5, 2, 'may', 'mix', None),
            ('webmail.example.org', 'big', 4, 4, 2, 'may', 'big13', ('greylist', 0, 0)),
            ('oldisp.example.org', 'resident', 1.2, 1.0, 1, 'may', 'legacy10', None),
            ('westshire-police.example.net', 'partner', 5, 4, 2, 'secure', 'sec', ('T08', 40, 7)),
            ('westshire-health.example.net', 'partner', 4, 3, 2, 'secure', 'sec', ('T09', 40, 7)),
            ('westshire-fire.example.net', 'partner', 2.5, 1.5, 1, 'dane', 'dane13', ('T12', 30, 6)),
            ('healthmail.example.net', 'partner', 3, 3, 2, 'secure', 'sec', None),
            ('eastshire-council.example.org', 'partner', 3, 3, 2, 'may', 'std12', ('midbody', 30, 6)),
            ('housing.example.com', 'partner', 3, 2.5, 1, 'may', 'plain', None),
            ('courts-service.example.net', 'partner', 1.6, 1.0, 2, 'encrypt', 'std12', ('T01', 30, 7)),
            ('probation.example.net', 'partner', 1.4, 1.0, 1, 'secure', 'sec', ('T13', 30, 7)),
            ('westshire-care.example.net', 'partner', 1.6, 1.2, 1, 'secure', 'sec', ('T10ui', 30, 6)),
            ('youth-services.example.org', 'partner', 0.4, 0.8, 1, 'secure', 'selfsigned', ('T10ss', -96, 60)),
            ('coroner.example.net', 'partner', 1.2, 0.6, 1, 'encrypt', 'std12', ('T03', 30, 6)),
            ('land-registry.example.net', 'partner', 0.4, 0.8, 1, 'encrypt', 'legacy10', ('T05up', -96, 60)),
            ('harrison-legal.example.com', 'supplier', 1.6, 1.4, 1, 'may', 'mix', ('T05wv', 30, 8)),
            ('roadworks-contractor.example.com', 'supplier', 1.5, 1.2, 1, 'may', 'std12', ('T06', 30, 8)),
            ('oldfield-parish.example.org', 'supplier', 1.0, 1.0, 1, 'may', 'legacy11', ('T07', -96, 60)),
            ('leisure-trust.example.com', 'supplier', 1.4, 1.2, 2, 'may', 'std12', ('T14', 30, 8)),
            ('printing-supplier.example.com', 'supplier', 1.0, 0.8, 1, 'may', 'plain', ('T02', -96, 60)),
            ('relay.oldfirm.example.org', 'supplier', 0.6, 0.5, 1, 'may', 'anon10', None),
            ('citizens-advice.example.org', 'partner', 1.5, 1.5, 1, 'may', 'selfsigned', None),
            ('schools.westshire.example.org', 'partner', 3, 2.5, 1, 'relay', 'std12', None),
            ('lists.example.org', 'list', 1.0, 3.0, 1, 'may', 'mix', ('greylist', 0, 0)),
            ('mialbox.example.com', 'typo', 0.5, 0, 0, 'may', 'big13', None),
            ('broadband-isp.example.net', 'resident', 1.5, 1.5, 2, 'may', 'mix', ('conn', 24, 2)),
        ]
        for name, role, w_out, w_in, nmx, policy, prof, fault in spec:
            self.add_domain(name, role, w_out, w_in, nmx, policy, prof, fault)

        # Long tail: local businesses, charities, other public bodies, residents' own domains.
        used = set(self.domains)
        profiles = (['mix'] * 50 + ['std12'] * 20 + ['big13'] * 5 + ['plain'] * 9 +
                    ['selfsigned'] * 7 + ['legacy10'] * 2 + ['legacy11'] * 2 + ['dane13'] * 5)
        n_tail = 140
        for i in range(n_tail):
            while True:
                a = r.choice(WORDS)
                b = r.choice(WORDS + TRADES)
                sep = r.choice(['', '-', ''])
                name = '%s%s%s.%s' % (a, sep, b, r.choice(TLDS))
                if a != b and name not in used:
                    used.add(name)
                    break
            prof = r.choice(profiles)
            policy = 'dane' if prof == 'dane13' else 'may'
            w = 2.0 / (1 + i) ** 0.6
            fault = None
            roll = r.random()
            if roll < 0.06:
                fault = ('greylist', 0, 0)
            elif roll < 0.09:
                fault = ('conn', 40, 3)
            elif roll < 0.11:
                fault = ('midbody', 30, 4)
            elif roll < 0.12:
                fault = ('dns', 40, 2)
            self.add_domain(name, 'tail', w, w * 0.9, 1 if r.random() < 0.7 else 2, policy, prof, fault)

        # Relay for the schools domain: the county grid's smarthost on port 587.
        relay_host = self.make_host('smtp-relay.westshire-grid.example.net', 587)
        self.set_profile(relay_host, 'std12', r)
        self.schools_relay = relay_host

        self.local_users = []
        seen = set()
        while len(self.local_users) < 260:
            lp = '%s.%s' % (r.choice(FIRST), r.choice(LAST))
            if lp not in seen:
                seen.add(lp)
                self.local_users.append(lp + '@' + US)
        self.councillors = ['cllr.%s' % r.choice(LAST) + '@' + US for _ in range(30)]
        self.role_alias = {}
        for role in ROLE_BOXES:
            self.role_alias[role + '@' + US] = r.choice(self.local_users)
        self.role_alias['root@' + US] = self.role_alias['it.servicedesk@' + US]
        self.quota_user = self.role_alias['customer.services@' + US]
        self.gone_user = r.choice(self.local_users)
        qa = self.start + r.randint(0, 1) * 86400 + r.uniform(9, 12) * 3600
        self.quota_window = (qa, qa + r.uniform(4, 8) * 3600)

        # Internal clients: office NAT, VPN pool, app servers, a scan-to-email copier.
        self.office_clients = [('gw-office%d.%s' % (i, US), '198.51.100.%d' % (140 + i)) for i in range(1, 4)]
        self.vpn_clients = [('vpn-%d.%s' % (i, US), '198.51.100.%d' % (160 + i)) for i in range(1, 25)]
        self.home_clients = []
        for i in range(30):
            ip = self.next_ip()
            nm = 'host-%s.broadband.example.net' % ip.replace('.', '-') if r.random() < 0.6 else 'unknown'
            self.home_clients.append((nm, ip))
        self.apps = [('planning-portal.%s' % US, '198.51.100.21', 'noreply-planning@' + US),
                     ('revs-bens.%s' % US, '198.51.100.22', 'council.tax@' + US),
                     ('bookings.%s' % US, '198.51.100.23', 'no-reply@' + US)]
        self.copier = ('mfd-floor2.%s' % US, '198.51.100.60')

        self.w_out_total = self.cumulate(self.doms_out, 'w_out')
        self.w_in_total = self.cumulate(self.doms_in, 'w_in')

    @staticmethod
    def cumulate(doms, attr):
        acc = []
        total = 0.0
        for d in doms:
            total += getattr(d, attr)
            acc.append(total)
        return acc

    def pick(self, doms, acc):
        return doms[bisect.bisect_left(acc, self.rng.random() * acc[-1])]

    def next_ip(self):
        ip = self.ip_pool[self.ip_i % len(self.ip_pool)]
        self.ip_i += 1
        return ip

    def next_v6(self):
        self.v6_i += self.wr.randint(1, 9)
        return '2001:db8:%x::%x' % (self.wr.randint(1, 0xfff), self.v6_i)

    def make_host(self, name, port=25, v6=False):
        return Host(name, self.next_v6() if v6 else self.next_ip(), port)

    def set_profile(self, h, prof, r):
        lower = self.openssl_lower
        kex = 'x25519' if lower else 'X25519'
        if prof in ('big13', 'dane13', 'sec') or (prof == 'mix' and r.random() < 0.6):
            if prof == 'sec' and r.random() < 0.5:
                h.ver, h.cipher = 'TLSv1.2', r.choice(CIPHERS_12)
            else:
                h.ver, h.cipher = 'TLSv1.3', r.choice(CIPHERS_13)
        elif prof in ('mix', 'std12', 'selfsigned'):
            h.ver, h.cipher = ('TLSv1.3', r.choice(CIPHERS_13)) if (prof == 'selfsigned' and r.random() < 0.4) \
                else ('TLSv1.2', r.choice(CIPHERS_12))
        elif prof == 'legacy10':
            h.ver, h.cipher = 'TLSv1', r.choice(CIPHERS_LEGACY)
        elif prof == 'legacy11':
            h.ver, h.cipher = 'TLSv1.1', r.choice(CIPHERS_LEGACY)
        elif prof == 'anon10':
            h.ver, h.cipher = 'TLSv1', CIPHER_ANON
        elif prof == 'plain':
            h.starttls = False
        if h.ver == 'TLSv1.3':
            k = kex if r.random() < 0.85 else 'secp384r1'
            h.suffix = 'key-exchange %s %s' % (k, r.choice(SIG_SUFFIXES))
        h.adj = {'selfsigned': 'Untrusted', 'legacy10': 'Untrusted', 'anon10': 'Anonymous'}.get(prof, 'Trusted')
        if prof == 'mix' and r.random() < 0.08:
            h.adj = 'Untrusted'
        h.style = r.choice(['postfix', 'postfix', 'exim', 'exchange', 'generic'])
        if prof in ('big13', 'dane13'):
            h.style = 'postfix' if r.random() < 0.5 else 'generic'

    def add_domain(self, name, role, w_out, w_in, nmx, policy, prof, fault):
        r = self.wr
        d = Domain(name, role)
        d.w_out, d.w_in = w_out, w_in
        d.policy = 'may' if policy == 'relay' else policy
        d.transport = 'relay' if policy == 'relay' else 'smtp'
        if role == 'typo':
            nmx = 0
        for i in range(nmx):
            hn = ('mx%d.%s' % (i + 1, name)) if nmx > 1 or r.random() < 0.5 else ('mail.%s' % name)
            h = self.make_host(hn, 25, v6=(role == 'big' and i == 0) or r.random() < 0.05)
            self.set_profile(h, prof, r)
            d.mx.append(h)
        # Hosts that send to us.
        if role == 'big':
            for i in range(6):
                h = self.make_host('mail-out%d.%s' % (i + 1, name), 25, v6=i < 2)
                self.set_profile(h, prof, r)
                d.senders.append(h)
        elif d.mx:
            d.senders = list(d.mx)
            if r.random() < 0.3:
                h = self.make_host('smtp-out.%s' % name)
                self.set_profile(h, prof, r)
                d.senders.append(h)
        elif role != 'typo':
            h = self.make_host('smtp.%s' % name)
            self.set_profile(h, prof, r)
            d.senders = [h]
        if role == 'tail':
            for h in d.senders:
                h.rdns = r.random() < 0.85
        if role == 'partner' and r.random() < 0.5:
            d.client_adj = 'Trusted' if policy in MANDATORY else 'Untrusted'
        if fault:
            kind, up, down = fault
            if kind == 'greylist':
                d.greylist = 0.5
            else:
                d.fault = kind
                d.up_mean, d.down_mean = abs(up) * 3600.0, down * 3600.0
                if up < 0:
                    # broken when the log starts; fixed after a couple of days
                    d.broken, d.next_change = True, self.start + d.down_mean * r.uniform(0.8, 1.2)
                else:
                    # first outage during office hours on day one or two, then random alternation
                    d.broken = False
                    d.next_change = self.start + r.randint(0, 1) * 86400 + r.uniform(7, 14) * 3600
        # Local parts for people at this domain.
        k = 3 if role in ('partner', 'supplier', 'tail') else 0
        d.locals = [self.person_local(r) for _ in range(k)]
        self.domains[name] = d
        if w_out > 0:
            self.doms_out.append(d)
        if w_in > 0 and d.senders:
            self.doms_in.append(d)

    def person_local(self, r):
        f, l = r.choice(FIRST), r.choice(LAST)
        form = r.random()
        if form < 0.5:
            return '%s.%s' % (f, l)
        if form < 0.7:
            return '%s%s' % (f[0], l)
        if form < 0.9:
            return '%s%s%d' % (f, l, r.randint(1, 99))
        return '%s_%s' % (f, l)

    def address_at(self, d):
        r = self.rng
        if d.role in ('partner', 'supplier') and d.locals and r.random() < 0.6:
            return '%s@%s' % (r.choice(d.locals), d.name)
        if d.role == 'list':
            return '%s@%s' % (r.choice(['digest', 'announce', 'planning-forum', 'members']), d.name)
        return '%s@%s' % (self.person_local(r), d.name)

    # --- tls lines --------------------------------------------------------------------------

    @staticmethod
    def version_key(ver):
        return {'TLSv1': '1.0', 'TLSv1.1': '1.1', 'TLSv1.2': '1.2', 'TLSv1.3': '1.3'}[ver]

    def summary_out(self, h, adj):
        s = '%s TLS connection established to %s: %s with cipher %s' % (adj, h.relay, h.ver, h.cipher)
        return s + ' ' + h.suffix if h.suffix else s

    def server_suffix(self, ver):
        if ver != 'TLSv1.3':
            return ''
        kex = 'x25519' if self.openssl_lower else 'X25519'
        return ' key-exchange %s server-signature RSA-PSS (2048 bits) server-digest SHA256' % kex

    # --- reply texts ------------------------------------------------------------------------

    def ok_reply(self, h, rcpt):
        r = self.rng
        st = h.style
        if st == 'postfix':
            return '250 2.0.0 Ok: queued as %0*X' % (r.choice([9, 10, 11, 12]), r.getrandbits(48))
        if st == 'exim':
            a = ''.join(r.choice('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') for _ in range(14))
            return '250 OK id=%s-%s-%s' % (a[:6], a[6:12], a[12:])
        if st == 'exchange':
            return ('250 2.6.0 <%x@%s> [InternalId=%d, Hostname=MBX0%d.%s] Queued mail for delivery'
                    % (r.getrandbits(64), h.name.split('.', 1)[-1], r.randint(10 ** 12, 10 ** 13),
                       r.randint(1, 4), h.name.split('.', 1)[-1]))
        return r.choice(['250 2.0.0 Message accepted for delivery', '250 Mail accepted',
                         '250 2.0.0 OK %s' % '%x' % r.getrandbits(40)])

    # --- message helpers --------------------------------------------------------------------

    def new_msg(self, t, sender, rcpts, size, msgid=None):
        m = Msg()
        m.qid, m.inode = self.new_qid(t)
        m.sender = sender
        m.pending = list(rcpts)
        m.nrcpt = len(rcpts)
        m.size = size
        m.arrival = t
        m.origin = ('smtpd',)
        m.msgid = msgid
        return m

    def rand_size(self):
        r = self.rng
        x = r.lognormvariate(9.9, 1.1)
        return int(min(max(x, 900), 24000000))

    def rand_msgid(self, sender_domain):
        r = self.rng
        if r.random() < 0.5:
            return '<%08x-%04x-%04x-%04x-%012x@%s>' % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(16),
                                                        r.getrandbits(16), r.getrandbits(48), sender_domain)
        return '<%s.%x@%s>' % ('%016X' % r.getrandbits(64), r.getrandbits(24), sender_domain)

    def cleanup_msgid(self, t, m):
        p = self.p_cleanup.get(t)
        self.line(t, p.tag, '%s: message-id=%s' % (m.qid, m.msgid))
        self.p_cleanup.done(p, t + 0.01)

    def qmgr_active(self, t, m):
        self.line(t, self.qmgr, '%s: from=<%s>, size=%d, nrcpt=%d (queue active)'
                  % (m.qid, m.sender, m.size, m.nrcpt))

    def qmgr_removed(self, t, m):
        self.line(t, self.qmgr, '%s: removed' % m.qid)
        self.at(t, self.free_inode, m.inode)

    # --- smtpd side -------------------------------------------------------------------------

    def cmd_summary(self, parts):
        out = []
        ok_sum = tot_sum = 0
        for name, ok, tot in parts:
            ok_sum += ok
            tot_sum += tot
            out.append('%s=%d' % (name, ok) if ok == tot else '%s=%d/%d' % (name, ok, tot))
        if ok_sum == tot_sum and tot_sum > 0:
            out.append('commands=%d' % ok_sum)
        else:
            out.append('commands=%d/%d' % (ok_sum, tot_sum))
        return ' '.join(out)

    def postscreen_pass(self, t, ip):
        port = self.rng.randint(32768, 60999)
        ipb = '[%s]:%d' % (ip, port)
        self.line(t, self.postscreen, 'CONNECT from %s to [%s]:25' % (ipb, MYADDR))
        new = ip not in self.seen_clients
        self.seen_clients[ip] = True
        if len(self.seen_clients) > 20000:
            self.seen_clients.pop(next(iter(self.seen_clients)))
        t += self.rng.uniform(0.01, 0.08) if not new else self.rng.uniform(6.0, 6.3)
        self.line(t, self.postscreen, 'PASS %s %s' % ('NEW' if new else 'OLD', ipb))
        return t

    def smtpd_session(self, t, pool, client, tls, msgs, auth_user=None, rejects=(), implicit=False,
                      xforward=False, warn_dns=False):
        """One smtpd session carrying `msgs` (already built, pending = accepted recipients).

        client = (name, ip); tls = None or (version, cipher, adjective). Returns the times at
        which each message reached the queue (its qmgr "queue active" line)."""
        r = self.rng
        name, ip = client
        p = pool.get(t)
        tag = p.tag
        na = '%s[%s]' % (name, ip)
        loop = ip.startswith('127.') or ip == '::1'
        if warn_dns:
            self.line(t, tag, 'warning: hostname %s does not resolve to address %s' % (self.fake_rdns(ip), ip))
            t += 0.01
        self.line(t, tag, 'connect from %s' % na)
        parts = []
        if tls:
            ver, cipher, adj = tls
            t += r.uniform(0.05, 0.4)
            if not implicit:
                parts.append(('ehlo', 2, 2))
                parts.append(('starttls', 1, 1))
            else:
                parts.append(('ehlo', 1, 1))
            self.line(t, tag, '%s TLS connection established from %s: %s with cipher %s%s'
                      % (adj, na, ver, cipher, self.server_suffix(ver)), ('TI',))
        else:
            parts.append(('ehlo', 1, 1))
            t += r.uniform(0.02, 0.2)
        if auth_user:
            parts.append(('auth', 1, 1))
        if xforward:
            parts.insert(1, ('xforward', 1, 1))
        queued = []
        n_mail = n_rcpt_ok = n_rcpt = n_data_ok = n_data = 0
        for m in msgs:
            n_mail += 1
            t += r.uniform(0.05, 0.5)
            m.arrival = t                      # the queue file is created at the first RCPT
            cl = 'client=%s' % na
            if auth_user:
                cl += ', sasl_method=%s, sasl_username=%s' % (r.choice(['LOGIN', 'PLAIN', 'PLAIN']), auth_user)
            if m.orig_client:
                cl += ', orig_queue_id=%s, orig_client=%s' % m.orig_client
            if loop:
                tr = None
            elif tls:
                tr = ('I', 'tls', self.version_key(tls[0]), tls[2].lower())
            else:
                tr = ('I', 'evidence', None, None)
            self.line(t, tag, '%s: %s' % (m.qid, cl), tr)
            n_rcpt += len(m.pending)
            n_rcpt_ok += len(m.pending)
            for bad in rejects:
                t += r.uniform(0.01, 0.1)
                n_rcpt += 1
                self.line(t, tag, 'NOQUEUE: reject: RCPT from %s: 550 5.1.1 <%s>: Recipient address rejected: '
                          'User unknown in virtual mailbox table; from=<%s> to=<%s> proto=ESMTP helo=<%s>'
                          % (na, bad, m.sender, bad, self.helo_for(name, ip)))
            rejects = ()
            t += r.uniform(0.01, 0.05)
            self.cleanup_msgid(t, m)
            n_data += 1
            n_data_ok += 1
            t += r.uniform(0.05, 0.3) + m.size / 4.0e6
            self.qmgr_active(t, m)
            queued.append(t)
        if n_mail:
            parts += [('mail', n_mail, n_mail), ('rcpt', n_rcpt_ok, n_rcpt), ('data', n_data_ok, n_data)]
        parts.append(('quit', 1, 1))
        t += r.uniform(0.005, 0.05)
        self.line(t, tag, 'disconnect from %s %s' % (na, self.cmd_summary(parts)))
        pool.done(p, t)
        return queued

    def helo_for(self, name, ip):
        return name if name != 'unknown' else '[%s]' % ip

    def fake_rdns(self, ip):
        return 'host%d.%s' % (self.rng.randint(2, 250), self.rng.choice(TLDS))

    def sender_tls(self, h, d):
        if not h.starttls:
            return None
        adj = 'Anonymous'
        if d is not None and d.client_adj:
            adj = d.client_adj
        cipher = h.cipher if h.cipher != CIPHER_ANON else CIPHERS_LEGACY[0]
        return (h.ver, cipher, adj)

    # --- arrivals ---------------------------------------------------------------------------

    def arrival(self, t, _):
        self.arrivals += 1
        r = self.rng
        x = r.random()
        if x < 0.46:
            self.inbound_external(t)
        elif x < 0.80:
            self.outbound_user(t)
        elif x < 0.89:
            self.internal_user(t)
        elif x < 0.955:
            self.app_mail(t)
        elif x < 0.975:
            self.copier_mail(t)
        elif x < 0.985:
            self.bulk_mail(t)
        else:
            self.webmail(t)
        self.schedule_next_arrival(t)

    def inbound_external(self, t):
        r = self.rng
        d = self.pick(self.doms_in, self.w_in_total)
        h = r.choice(d.senders)
        name = h.name if h.rdns else 'unknown'
        sender = self.address_at(d)
        n = 1 if r.random() < 0.8 else r.randint(2, 4)
        rcpts = []
        for _ in range(n):
            if r.random() < 0.2:
                rcpts.append(r.choice(ROLE_BOXES[:6]) + '@' + US)
            else:
                rcpts.append(r.choice(self.local_users))
        rcpts = list(dict.fromkeys(rcpts))
        rejects = ['%s@%s' % (self.person_local(r), US)] if r.random() < 0.03 else []
        m = self.new_msg(t, sender, rcpts, self.rand_size(), self.rand_msgid(h.name.split('.', 1)[-1]))
        t = self.postscreen_pass(t, h.ip)
        t += r.uniform(0.01, 0.05)
        tls = self.sender_tls(h, d)
        warn = not h.rdns and r.random() < 0.3
        m.orig_client = None
        (tq,) = self.smtpd_session(t, self.p_smtpd, (name, h.ip), tls, [m], rejects=rejects, warn_dns=warn)
        m.origin = ('smtpd', name, h.ip)
        self.enqueue(tq, m)

    def pick_out_rcpts(self, n):
        r = self.rng
        out = []
        for _ in range(n):
            d = self.pick(self.doms_out, self.w_out_total)
            out.append(self.address_at(d))
        if r.random() < 0.12:
            out.append(r.choice(self.local_users))
        return list(dict.fromkeys(out))

    def staff_client(self):
        r = self.rng
        x = r.random()
        if x < 0.55:
            return r.choice(self.office_clients)
        if x < 0.8:
            return r.choice(self.vpn_clients)
        return r.choice(self.home_clients)

    def client_tls(self):
        r = self.rng
        if r.random() < 0.75:
            return ('TLSv1.3', r.choice(CIPHERS_13), 'Anonymous')
        return ('TLSv1.2', r.choice(CIPHERS_12[:3]), 'Anonymous')

    def outbound_user(self, t):
        r = self.rng
        user = r.choice(self.local_users + self.councillors[:10])
        n = 1 if r.random() < 0.7 else r.randint(2, 6)
        rcpts = self.pick_out_rcpts(n)
        m = self.new_msg(t, user, rcpts, self.rand_size(), self.rand_msgid(US))
        client = self.staff_client()
        if r.random() < 0.08:
            (tq,) = self.smtpd_session(t, self.p_smtps, client, self.client_tls(), [m], auth_user=user,
                                       implicit=True)
        else:
            (tq,) = self.smtpd_session(t, self.p_sub, client, self.client_tls(), [m], auth_user=user)
        m.origin = ('smtpd', client[0], client[1])
        self.enqueue(tq, m)

    def internal_user(self, t):
        r = self.rng
        user = r.choice(self.local_users)
        rcpts = list(dict.fromkeys(r.choice(self.local_users) for _ in range(r.choice([1, 1, 1, 2, 3]))))
        if r.random() < 0.2:
            rcpts.append(r.choice(ROLE_BOXES) + '@' + US)
        m = self.new_msg(t, user, rcpts, self.rand_size(), self.rand_msgid(US))
        client = self.staff_client()
        (tq,) = self.smtpd_session(t, self.p_sub, client, self.client_tls(), [m], auth_user=user)
        m.origin = ('smtpd', client[0], client[1])
        self.enqueue(tq, m)

    def app_mail(self, t):
        r = self.rng
        name, ip, sender = r.choice(self.apps)
        rcpts = self.pick_out_rcpts(1)
        m = self.new_msg(t, sender, rcpts, int(r.uniform(3000, 60000)), self.rand_msgid(name))
        t = self.postscreen_pass(t, ip)
        (tq,) = self.smtpd_session(t + 0.02, self.p_smtpd, (name, ip), None, [m])
        m.origin = ('smtpd', name, ip)
        self.enqueue(tq, m)

    def copier_mail(self, t):
        r = self.rng
        name, ip = self.copier
        m = self.new_msg(t, 'scanner@' + US, [r.choice(self.local_users)], int(r.uniform(80000, 4000000)),
                         self.rand_msgid(name))
        t = self.postscreen_pass(t, ip)
        tls = ('TLSv1', 'ECDHE-RSA-AES256-SHA (256/256 bits)', 'Anonymous')
        (tq,) = self.smtpd_session(t + 0.02, self.p_smtpd, (name, ip), tls, [m])
        m.origin = ('smtpd', name, ip)
        self.enqueue(tq, m)

    def bulk_mail(self, t):
        """Mail merge from democratic services: one message per recipient, one session."""
        r = self.rng
        rcpts = self.pick_out_rcpts(r.randint(6, 16)) + r.sample(self.councillors, 4)
        rcpts += ['%s@housing.example.com' % self.person_local(r) for _ in range(r.randint(3, 6))]
        rcpts = list(dict.fromkeys(rcpts))
        size = int(r.uniform(20000, 300000))
        msgs = [self.new_msg(t, 'democratic.services@' + US, [rc], size + r.randint(0, 400), self.rand_msgid(US))
                for rc in rcpts]
        client = r.choice(self.office_clients)
        tqs = self.smtpd_session(t, self.p_sub, client, self.client_tls(), msgs,
                                 auth_user='democratic.services@' + US)
        for m, tq in zip(msgs, tqs):
            m.origin = ('smtpd', client[0], client[1])
            self.enqueue(tq, m)

    def webmail(self, t):
        r = self.rng
        user = r.choice(self.local_users)
        rcpts = self.pick_out_rcpts(1) if r.random() < 0.6 else [r.choice(self.local_users)]
        m = self.new_msg(t, user, rcpts, self.rand_size(), self.rand_msgid(US))
        (tq,) = self.smtpd_session(t, self.p_sub, ('localhost', '127.0.0.1'),
                                   ('TLSv1.3', CIPHERS_13[0], 'Anonymous'), [m], auth_user=user)
        m.origin = ('smtpd', 'localhost', '127.0.0.1')
        self.enqueue(tq, m)

    def pickup_mail(self, t, _):
        """Daily cron/logwatch report from root, via pickup."""
        r = self.rng
        m = self.new_msg(t, 'root@' + US, ['root@' + US], int(r.uniform(2000, 9000)))
        m.msgid = '<%s.%s@%s>' % (self.clock.msgid_stamp(t), m.qid, MYHOST)
        self.line(t, self.pickup, '%s: uid=0 from=<root>' % m.qid)
        t += 0.01
        self.cleanup_msgid(t, m)
        t += 0.02
        self.qmgr_active(t, m)
        m.origin = ('pickup',)
        self.enqueue(t, m)
        self.at(t + 86400, self.pickup_mail)

    # --- queue ------------------------------------------------------------------------------

    def enqueue(self, t, m):
        """Message is in the active queue at t: content filter first, else deliveries."""
        if m.ndr or m.filtered:
            self.at(t + self.rng.uniform(0.005, 0.05), self.dispatch, m)
        else:
            self.at(t + self.rng.uniform(0.005, 0.05), self.filter_hop, m)

    def filter_hop(self, t, m):
        """smtp to amavis on 127.0.0.1:10024, which re-injects through smtpd on :10025."""
        r = self.rng
        lo, hi = self.amavis_down
        if lo <= t < hi:
            p = self.p_amavis.get(t)
            t += r.uniform(0.001, 0.01)
            self.line(t, p.tag, 'connect to 127.0.0.1[127.0.0.1]:10024: Connection refused')
            for rc in m.pending:
                t += 0.001
                self.delivery_line(t, p.tag, m, rc, 'none', 0.0, 0.0, '4.4.1', 'deferred',
                                   'connect to 127.0.0.1[127.0.0.1]:10024: Connection refused',
                                   tlsf='none', fail=('non-tls', None))
            self.p_amavis.done(p, t)
            self.finish_round(t, m, [])
            return
        p = self.p_amavis.get(t)
        scan = r.uniform(0.3, 2.5) + m.size / 2.0e6
        spam = m.origin[0] == 'smtpd' and m.origin[2][:4] not in ('198.', '127.') and r.random() < 0.04
        t_inj = t + scan
        if spam:
            reply = '250 2.7.0 Ok, discarded, id=%05d-%02d - spam' % (r.randint(1000, 65000), r.randint(1, 20))
        else:
            rcpts, orig = self.expand_aliases(m.pending)
            m2 = self.new_msg(t_inj, m.sender, rcpts, m.size + r.randint(300, 900), m.msgid)
            m2.orig_to = orig
            m2.filtered = True
            if m.origin[0] == 'smtpd':
                m2.orig_client = (m.qid, '%s[%s]' % (m.origin[1], m.origin[2]))
            m2.origin = ('filter',)
            (tq,) = self.smtpd_session(t_inj, self.p_reinject, ('localhost', '127.0.0.1'), None, [m2],
                                       xforward=True)
            reply = '250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as %s' % m2.qid
            t_inj = tq
        tt = t_inj + r.uniform(0.001, 0.02)
        for rc in m.pending:
            self.delivery_line(tt, p.tag, m, rc, AMAVIS_RELAY, 0.0, tt - t, '2.0.0', 'sent', reply, tlsf='none')
            tt += 0.0001
        self.p_amavis.done(p, tt)
        m.pending = []
        self.qmgr_removed(tt + r.uniform(0.0005, 0.003), m)
        if not spam:
            self.enqueue(tq, m2)

    def expand_aliases(self, rcpts):
        """virtual_alias_maps, applied on re-injection (the pre-filter smtpd has
        receive_override_options = no_address_mappings)."""
        out = []
        orig = {}
        for rc in rcpts:
            person = self.role_alias.get(rc)
            if person is None:
                person = rc
            else:
                orig[person] = rc
            if person not in out:
                out.append(person)
        return out, orig

    def delivery_line(self, t, tag, m, rcpt, relay, conn, xfer, dsn, status, reason, tlsf=None,
                      conn_use=0, tr=None, fail=None):
        """One `QID: to=<..>, relay=..., ...` line; fail = (category, domain) for failures."""
        r = self.rng
        total = max(t - m.arrival, 0.0)
        b = r.uniform(0.0, 0.03) if r.random() < 0.6 else 0.0
        a = max(total - b - conn - xfer, 0.0)
        s = '%s: to=<%s>' % (m.qid, rcpt)
        ot = m.orig_to.get(rcpt)
        if ot:
            s += ', orig_to=<%s>' % ot
        s += ', relay=%s' % relay
        if conn_use:
            s += ', conn_use=%d' % conn_use
        s += ', delay=%s, delays=%s/%s/%s/%s' % (fmt_delay(total), fmt_delay(a), fmt_delay(b),
                                                  fmt_delay(conn), fmt_delay(xfer))
        if self.v311 and tlsf is not None:
            s += ', tls=%s' % tlsf
        s += ', dsn=%s, status=%s (%s)' % (dsn, status, reason)
        if fail is not None:
            tr = ('F', status, fail[0], fail[1] or rcpt.rsplit('@', 1)[1], m.qid, rcpt, m.sender)
        self.line(t, tag, s, tr)

    # --- delivery ---------------------------------------------------------------------------

    def dispatch(self, t, m):
        """qmgr hands the message's pending recipients to delivery agents (one request per
        destination, in parallel); collects the outcome of this round."""
        r = self.rng
        m.attempts += 1
        groups = {}
        for rc in m.pending:
            dom = rc.rsplit('@', 1)[1].lower()
            groups.setdefault(dom, []).append(rc)
        results = []
        end = t
        for dom, rcpts in groups.items():
            for i in range(0, len(rcpts), 50):
                chunk = rcpts[i:i + 50]
                start = t + r.uniform(0.001, 0.08)
                if dom == US:
                    e, res = self.lmtp_request(start, m, chunk)
                else:
                    e, res = self.smtp_request(start, m, self.domains.get(dom), dom, chunk)
                end = max(end, e)
                results += res
        self.finish_round(end, m, results)

    def finish_round(self, end, m, results):
        r = self.rng
        bounced = [rc for rc, st in results if st == 'bounced']
        done = set(rc for rc, st in results if st in ('sent', 'bounced'))
        m.pending = [rc for rc in m.pending if rc not in done]
        t = end + r.uniform(0.001, 0.02)
        expired = bool(m.pending) and (t - m.arrival) > self.args.queue_lifetime
        if expired:
            self.line(t, self.qmgr, '%s: from=<%s>, status=expired, returned to sender' % (m.qid, m.sender))
            bounced = bounced + m.pending
            m.pending = []
            t += 0.002
        if bounced and not m.ndr and m.sender:
            t = self.make_ndr(t, m, bounced)
        if not m.pending:
            self.qmgr_removed(t + r.uniform(0.0005, 0.005), m)
        else:
            age = t - m.arrival
            backoff = min(max(age, 300.0), 4000.0)
            nxt = t + backoff + r.uniform(0, 300)
            self.at(nxt, self.retry, m)

    def retry(self, t, m):
        self.qmgr_active(t, m)
        self.enqueue(t + self.rng.uniform(0.01, 0.1), m)

    def make_ndr(self, t, m, bounced):
        r = self.rng
        rcpts, orig = self.expand_aliases([m.sender])
        n = self.new_msg(t, '', rcpts, 2200 + m.size // 50 + 700 * len(bounced))
        n.orig_to = orig
        n.ndr = True
        n.msgid = '<%s.%s@%s>' % (self.clock.msgid_stamp(t), n.qid, MYHOST)
        pb = self.p_bounce.get(t)
        c = self.p_cleanup.get(t)
        bl = '%s: sender non-delivery notification: %s' % (m.qid, n.qid)
        if self.v311:
            self.line(t, pb.tag, bl, ('N', m.qid, n.qid))
            t += r.uniform(0.001, 0.01)
            self.line(t, c.tag, '%s: message-id=%s' % (n.qid, n.msgid))
            t += r.uniform(0.001, 0.01)
            self.qmgr_active(t, n)
        else:
            self.line(t, c.tag, '%s: message-id=%s' % (n.qid, n.msgid))
            t += r.uniform(0.001, 0.01)
            self.qmgr_active(t, n)
            t += r.uniform(0.0005, 0.005)
            self.line(t, pb.tag, bl, ('N', m.qid, n.qid))
        self.p_cleanup.done(c, t)
        self.p_bounce.done(pb, t)
        n.origin = ('bounce',)
        self.enqueue(t, n)
        return t

    def lmtp_request(self, t, m, rcpts):
        r = self.rng
        p = self.p_lmtp.get(t)
        conn = r.uniform(0.0, 0.03)
        t += conn
        res = []
        tt = t
        qa, qb = self.quota_window
        for rc in rcpts:
            tt += r.uniform(0.005, 0.05)
            xfer = tt - t
            if rc == self.gone_user and not m.ndr:
                reason = ('host %s said: 550 5.1.1 <%s> User doesn\'t exist: %s (in reply to RCPT TO command)'
                          % (LMTP_RELAY, rc, rc))
                self.delivery_line(tt, p.tag, m, rc, LMTP_RELAY, conn, xfer, '5.1.1', 'bounced', reason,
                                   tlsf='none', fail=('non-tls', US))
                res.append((rc, 'bounced'))
            elif rc == self.quota_user and qa <= tt < qb:
                reason = ('host %s said: 452 4.2.2 <%s> Quota exceeded (mailbox for user is full) '
                          '(in reply to RCPT TO command)' % (LMTP_RELAY, rc))
                self.delivery_line(tt, p.tag, m, rc, LMTP_RELAY, conn, xfer, '4.2.2', 'deferred', reason,
                                   tlsf='none', fail=('non-tls', US))
                res.append((rc, 'deferred'))
            else:
                reason = '250 2.0.0 <%s> %s Saved' % (rc, self.dovecot_id())
                self.delivery_line(tt, p.tag, m, rc, LMTP_RELAY, conn, xfer, '2.0.0', 'sent', reason, tlsf='none')
                res.append((rc, 'sent'))
        self.p_lmtp.done(p, tt)
        return tt, res

    def dovecot_id(self):
        a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
        return ''.join(self.rng.choice(a) for _ in range(22))

    # --- smtp ------------------------------------------------------------------------------

    def tls_field(self, d, state):
        """Postfix 3.11 `tls=` value for an smtp delivery line."""
        pol = d.policy if d is not None else 'may'
        if state == 'plain':
            return 'may:none' if pol == 'may' else pol
        if state == 'undecided':
            return pol + '?'
        return pol

    def set_dead(self, d, t_fail, reason, dsn, cat):
        d.dead_from = t_fail
        d.dead_until = t_fail + 300.0
        d.dead_reason, d.dead_dsn, d.dead_cat = reason, dsn, cat

    def smtp_request(self, t, m, d, domname, rcpts):
        """One delivery request: one smtp process, one destination, up to 50 recipients."""
        r = self.rng
        res = []
        # qmgr throttled the destination after a recent site failure: the error agent defers.
        if d is not None and d.dead_from < t < d.dead_until:
            p = self.p_error.get(t)
            tt = t
            for rc in rcpts:
                tt += r.uniform(0.0005, 0.004)
                self.delivery_line(tt, p.tag, m, rc, 'none', 0.0, 0.0, d.dead_dsn, 'deferred',
                                   'delivery temporarily suspended: ' + d.dead_reason,
                                   fail=(d.dead_cat, domname))
                res.append((rc, 'deferred'))
            self.p_error.done(p, tt)
            return tt, res
        relay_transport = d is not None and d.transport == 'relay'
        pool = self.p_relay if relay_transport else self.p_smtp
        p = pool.get(t)
        tag = p.tag
        t0 = t
        ctx = [t]

        def line(text, dt=(0.001, 0.02), tr=None):
            ctx[0] += r.uniform(*dt)
            self.line(ctx[0], tag, text, tr)
            return ctx[0]

        def finals(h, dsn, status, reason, cat, relay=None, tlsf=None, conn=None):
            rl = relay or (h.relay if h is not None else 'none')
            c = (ctx[0] - t0) if conn is None else conn
            for rc in rcpts:
                ctx[0] += r.uniform(0.0002, 0.002)
                self.delivery_line(ctx[0], tag, m, rc, rl, c, 0.0, dsn, status, reason,
                                   tlsf=tlsf, fail=(cat, domname))
                res.append((rc, status))

        if d is None or d.role == 'typo':
            ctx[0] += r.uniform(0.01, 0.3)
            finals(None, '5.4.4', 'bounced',
                   'Host or domain name not found. Name service error for name=%s type=MX: Host not found' % domname,
                   'non-tls', tlsf=self.tls_field(d, 'undecided'))
            pool.done(p, ctx[0])
            return ctx[0], res

        fault = d.fault_at(t, r)
        mand = d.policy in MANDATORY
        eo_lo, eo_hi = self.engine_out
        engine_out = eo_lo <= t < eo_hi
        mxs = [self.schools_relay] if relay_transport else d.mx
        loglevel0 = relay_transport and self.v311

        if fault == 'dns':
            ctx[0] += r.uniform(0.5, 5.0)
            finals(None, '4.4.3', 'deferred',
                   'Host or domain name not found. Name service error for name=%s type=MX: Host not found, try again'
                   % domname, 'non-tls', tlsf=self.tls_field(d, 'undecided'))
            pool.done(p, ctx[0])
            return ctx[0], res
        if fault == 'T12':
            for h in mxs:
                line('warning: TLS policy lookup for %s/%s: TLSA lookup error for %s:25' % (domname, h.name, h.name),
                     dt=(0.05, 0.6))
            reason = 'TLSA lookup error for %s:25' % mxs[-1].name
            finals(None, '4.7.5', 'deferred', reason, 'T12', tlsf=self.tls_field(d, 'undecided'), conn=0.0)
            self.set_dead(d, ctx[0], reason, '4.7.5', 'T12')
            pool.done(p, ctx[0])
            return ctx[0], res
        if fault == 'conn':
            last = None
            for h in mxs:
                ctx[0] += 30.0 + r.uniform(0, 0.01)
                last = 'connect to %s: Connection timed out' % h.relay
                self.line(ctx[0], tag, last)
            finals(None, '4.4.1', 'deferred', last, 'non-tls', tlsf=self.tls_field(d, 'undecided'))
            self.set_dead(d, ctx[0], last, '4.4.1', 'non-tls')
            pool.done(p, ctx[0])
            return ctx[0], res

        # Walk the MX list; a transient problem on an earlier MX sends us to the next one.
        order = list(mxs)
        i = 0
        while i < len(order) - 1 and not fault and r.random() < 0.05:
            h = order[i]
            if r.random() < 0.6:
                ctx[0] += 30.0 + r.uniform(0, 0.01)
                self.line(ctx[0], tag, 'connect to %s: Connection timed out' % h.relay)
            else:
                line('%s: host %s refused to talk to me: 421 4.3.2 Service not available, closing transmission channel'
                     % (m.qid, h.namaddr), dt=(0.05, 0.5))
            i += 1
        order = order[i:]

        tls_fault = fault if fault in FAULT_CATEGORY else None
        if engine_out and mand and tls_fault not in ('T01', 'T12'):
            tls_fault = 'T04'
        if tls_fault:
            e = self.smtp_tls_fault(ctx, tag, m, d, domname, rcpts, order, tls_fault, line, finals, res, t0)
            pool.done(p, e)
            return e, res

        # No TLS fault on this attempt: deliver (or meet a non-TLS problem) on the first MX.
        h = order[0]
        use_tls = h.starttls and not (engine_out and not mand)
        if d.policy in MANDATORY and not h.starttls:
            use_tls = False
        greylist = d.greylist and m.attempts == 1 and r.random() < d.greylist and not m.ndr
        if greylist and len(order) > 1 and r.random() < 0.5:
            # non-final greylisting on the first MX, then the same on the second
            h1 = order[0]
            if use_tls:
                line(self.summary_out(h1, self.adjective(d, h1)), dt=(0.1, 0.5), tr=('TO',))
            line('%s: host %s said: %s (in reply to RCPT TO command)' % (m.qid, h1.namaddr, self.greylist_text(rcpts[0], d)))
            h = order[1]
        conn = r.uniform(0.05, 0.4)
        reuse = 0
        if not use_tls and h.cache_until >= t:
            reuse = h.cache_uses + 1
            conn = 0.0
            h.cache_until = -1.0          # taken out of the cache while in use
        ctx[0] += conn
        if use_tls and not loglevel0:
            ctx[0] += r.uniform(0.05, 0.6)
            self.line(ctx[0], tag, self.summary_out(h, self.adjective(d, h)), ('TO',))
        t_conn = ctx[0]
        conn_total = t_conn - t0
        if greylist:
            reason = 'host %s said: %s (in reply to RCPT TO command)' % (h.namaddr, self.greylist_text(rcpts[0], d))
            dsn = '4.2.0' if 'Greylisted' in reason else '4.7.1'
            tlsf = self.tls_field(d, 'tls' if use_tls else 'plain')
            for rc in rcpts:
                ctx[0] += r.uniform(0.01, 0.1)
                self.delivery_line(ctx[0], tag, m, rc, h.relay, conn_total, ctx[0] - t_conn, dsn, 'deferred',
                                   reason.replace(rcpts[0], rc), tlsf=tlsf, fail=('non-tls', domname))
                res.append((rc, 'deferred'))
            pool.done(p, ctx[0])
            return ctx[0], res

        # mid-body break: first time deferred; on a later attempt Postfix retries in plaintext
        if fault == 'midbody' and use_tls:
            ctx[0] += r.uniform(1.0, 8.0)
            reason = 'lost connection with %s while sending message body' % h.namaddr
            if m.attempts > 1 and (t - m.arrival) >= 300:
                self.line(ctx[0], tag, '%s: %s' % (m.qid, reason))
                use_tls = False
                ctx[0] += r.uniform(0.1, 0.4)
                t_conn = ctx[0]
            else:
                for rc in rcpts:
                    ctx[0] += r.uniform(0.0005, 0.002)
                    self.delivery_line(ctx[0], tag, m, rc, h.relay, conn_total, ctx[0] - t_conn, '4.4.2',
                                       'deferred', reason, tlsf=self.tls_field(d, 'tls'), fail=('non-tls', domname))
                    res.append((rc, 'deferred'))
                pool.done(p, ctx[0])
                return ctx[0], res

        if d.role != 'list' and not m.ndr and r.random() < 0.003:
            # remote content filter refuses the whole message after DATA
            ctx[0] += r.uniform(0.3, 3.0) + m.size / 3e6
            reason = ('host %s said: 550 5.7.1 Message rejected as spam by Content Filtering. '
                      '(in reply to end of DATA command)' % h.namaddr)
            for rc in rcpts:
                ctx[0] += r.uniform(0.0002, 0.002)
                self.delivery_line(ctx[0], tag, m, rc, h.relay, conn_total, ctx[0] - t_conn, '5.7.1', 'bounced',
                                   reason, tlsf=self.tls_field(d, 'tls' if use_tls else 'plain'),
                                   conn_use=reuse, fail=('non-tls', domname))
                res.append((rc, 'bounced'))
            pool.done(p, ctx[0])
            return ctx[0], res

        state = 'tls' if use_tls else 'plain'
        tlsf = self.tls_field(d, state)
        if relay_transport and use_tls:
            tlsf = 'encrypt'
        ok_rcpts = []
        for rc in rcpts:
            ctx[0] += r.uniform(0.01, 0.08)
            x = r.random()
            if not m.ndr and d.role not in ('big',) and x < 0.012:
                reason = 'host %s said: 550 5.1.1 <%s> User unknown (in reply to RCPT TO command)' % (h.namaddr, rc)
                self.delivery_line(ctx[0], tag, m, rc, h.relay, conn_total, ctx[0] - t_conn, '5.1.1', 'bounced',
                                   reason, tlsf=tlsf, conn_use=reuse, fail=('non-tls', domname))
                res.append((rc, 'bounced'))
            elif not m.ndr and x > 0.993:
                reason = 'host %s said: 452 4.2.2 <%s> Mailbox full, try again later (in reply to RCPT TO command)' % (h.namaddr, rc)
                self.delivery_line(ctx[0], tag, m, rc, h.relay, conn_total, ctx[0] - t_conn, '4.2.2', 'deferred',
                                   reason, tlsf=tlsf, conn_use=reuse, fail=('non-tls', domname))
                res.append((rc, 'deferred'))
            else:
                ok_rcpts.append(rc)
        if ok_rcpts:
            ctx[0] += r.uniform(0.05, 0.4) + m.size / 2.5e6
            reply = self.ok_reply(h, ok_rcpts[0])
            if use_tls and loglevel0:
                tr = ('O', domname, 'tls', 'unknown', 'unknown')
            elif use_tls:
                tr = ('O', domname, 'tls', self.version_key(h.ver), self.adjective(d, h).lower())
            elif self.v311:
                tr = ('O', domname, 'plaintext', None, None)   # tls=may:none decides
            else:
                tr = ('O', domname, 'evidence', None, None)
            for rc in ok_rcpts:
                ctx[0] += r.uniform(0.0001, 0.001)
                self.delivery_line(ctx[0], tag, m, rc, h.relay, conn_total, ctx[0] - t_conn, '2.0.0', 'sent',
                                   reply, tlsf=tlsf, conn_use=reuse, tr=tr)
                res.append((rc, 'sent'))
        if not use_tls:
            # plaintext sessions go back to the connection cache for a couple of seconds
            h.cache_until = ctx[0] + 2.0
            h.cache_uses = reuse if reuse else 1
        pool.done(p, ctx[0])
        return ctx[0], res

    def adjective(self, d, h):
        if d is not None and d.policy in ('secure', 'dane') and h.adj != 'Anonymous':
            return 'Verified'
        return h.adj

    def greylist_text(self, rc, d):
        if self.rng.random() < 0.5:
            return ('450 4.2.0 <%s>: Recipient address rejected: Greylisted, see http://postgrey.%s/help/%s.html'
                    % (rc, d.name, d.name))
        return '451 4.7.1 Greylisting in action, please come back later'

    def smtp_tls_fault(self, ctx, tag, m, d, domname, rcpts, order, kind, line, finals, res, t0):
        """A TLS problem on every MX of the destination (non-final on all but the last)."""
        r = self.rng
        cat = 'T04' if kind == 'T04' else FAULT_CATEGORY[kind]
        may = d.policy == 'may'
        n = len(order)
        for i, h in enumerate(order):
            last = i == n - 1
            ctx[0] += r.uniform(0.05, 0.4)
            if kind == 'T01':
                reason, dsn = 'TLS is required, but was not offered by host %s' % h.namaddr, '4.7.4'
            elif kind == 'T02':
                reason, dsn, st = ('host %s said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)'
                                   % h.namaddr, '5.7.0', 'bounced')
                if r.random() < 0.2:
                    reason, dsn, st = ('host %s said: 451 5.7.3 STARTTLS is required to send mail (in reply to MAIL FROM command)'
                                       % h.namaddr, '5.7.3', 'deferred')
                finals(h, dsn, st, reason, cat, tlsf=self.tls_field(d, 'plain'))
                return ctx[0]
            elif kind == 'T03':
                reason, dsn = ('TLS is required, but host %s refused to start TLS: 454 4.7.0 TLS not available due to local problem'
                               % h.namaddr, '4.7.0')
            elif kind == 'T04':
                reason, dsn = 'TLS is required, but our TLS engine is unavailable', '4.7.5'
            elif kind in HANDSHAKE_LIB or kind == 'T14':
                sub = r.random()
                if kind == 'T14' and sub < 0.3:
                    reason, dsn = 'lost connection with %s while receiving the STARTTLS response' % h.namaddr, '4.4.2'
                else:
                    if kind == 'T14':
                        line('SSL_connect error to %s: %s' % (h.relay, 'lost connection' if sub < 0.75 else 'Connection reset by peer'),
                             dt=(0.05, 0.5))
                    else:
                        line('SSL_connect error to %s: -1' % h.relay, dt=(0.05, 0.5))
                        line('warning: TLS library problem: %s' % HANDSHAKE_LIB[kind], dt=(0.0, 0.001))
                    reason, dsn = CANNOT_START, '4.7.5'
                    # opportunistic TLS: a message queued long enough is retried in plaintext
                    if may and (ctx[0] - m.arrival) >= 300:
                        line('%s: %s' % (m.qid, CANNOT_START), dt=(0.0, 0.002))
                        ctx[0] += r.uniform(0.1, 0.5)
                        return self.plain_fallback(ctx, tag, m, d, domname, rcpts, h, res, t0)
            else:  # certificate verification: T08 T09 T10ss T10ui T13
                adj = {'T08': 'Untrusted', 'T09': 'Trusted', 'T10ss': 'Untrusted', 'T10ui': 'Untrusted',
                       'T13': 'Trusted'}[kind]
                if kind == 'T08':
                    vline = 'server certificate verification failed for %s: certificate has expired' % h.relay
                elif kind == 'T09':
                    vline = 'server certificate verification failed for %s: num=62:hostname mismatch' % h.relay
                elif kind == 'T10ss':
                    vline = 'certificate verification failed for %s: self-signed certificate' % h.relay
                elif kind == 'T10ui':
                    vline = ('certificate verification failed for %s: untrusted issuer /C=GB/O=Westshire Care Trust/'
                             'CN=Westshire Care Internal CA' % h.relay)
                else:
                    vline = 'certificate verification failed for %s: external policy failure (sts-webpki-invalid)' % h.relay
                summ = '%s TLS connection established to %s: %s with cipher %s%s' % (
                    adj, h.relay, h.ver, h.cipher, (' ' + h.suffix) if h.suffix else '')
                if r.random() < 0.5:
                    line(vline, dt=(0.05, 0.4))
                    line(summ, dt=(0.0, 0.002), tr=('TO',))
                else:
                    line(summ, dt=(0.05, 0.4), tr=('TO',))
                    line(vline, dt=(0.0, 0.002))
                reason, dsn = NOT_VERIFIED, '4.7.5'
            if not last:
                line('%s: %s' % (m.qid, reason), dt=(0.0, 0.01))
                continue
            finals(h, dsn, 'deferred', reason, cat, tlsf=self.tls_field(d, 'tls'))
            if not may or kind in ('T01', 'T03', 'T04'):
                self.set_dead(d, ctx[0], reason, dsn, cat)
        return ctx[0]

    def plain_fallback(self, ctx, tag, m, d, domname, rcpts, h, res, t0):
        r = self.rng
        t_conn = ctx[0]
        ctx[0] += r.uniform(0.05, 0.4) + m.size / 2.5e6
        reply = self.ok_reply(h, rcpts[0])
        for rc in rcpts:
            ctx[0] += r.uniform(0.0001, 0.001)
            self.delivery_line(ctx[0], tag, m, rc, h.relay, t_conn - t0, ctx[0] - t_conn, '2.0.0', 'sent', reply,
                               tlsf=self.tls_field(d, 'plain'), tr=('O', domname, 'evidence', None, None))
            res.append((rc, 'sent'))
        return ctx[0]

    # --- background noise and events --------------------------------------------------------

    def noise(self, t, _):
        r = self.rng
        x = r.random()
        ip = ('203.0.113.%d' % r.randint(201, 254)) if r.random() < 0.8 else \
            ('2001:db8:bad:%x::%x' % (r.randint(1, 0xfff), r.randint(2, 0xffff)))
        if x < 0.35:
            # botnet client talking before the greeting
            port = r.randint(32768, 60999)
            self.line(t, self.postscreen, 'CONNECT from [%s]:%d to [%s]:25' % (ip, port, MYADDR))
            t += r.uniform(0.05, 0.4)
            self.line(t, self.postscreen, 'PREGREET %d after %s from [%s]:%d: EHLO %s\\r\\n'
                      % (r.choice([11, 14, 17]), fmt_delay(r.uniform(0.05, 0.4)), ip, port,
                         r.choice(['ylmf-pc', 'User', 'WIN-%X' % r.getrandbits(24)])))
            t += r.uniform(0.01, 0.5)
            self.line(t, self.postscreen, 'DISCONNECT [%s]:%d' % (ip, port))
        elif x < 0.6:
            # password guessing on the submission port
            p = self.p_sub.get(t)
            na = 'unknown[%s]' % ip
            self.line(t, p.tag, 'connect from %s' % na)
            t += r.uniform(0.1, 0.4)
            self.line(t, p.tag, 'Anonymous TLS connection established from %s: TLSv1.2 with cipher %s'
                      % (na, CIPHERS_12[0]), ('TI',))
            t += r.uniform(0.5, 3.0)
            self.line(t, p.tag, 'warning: %s: SASL LOGIN authentication failed: UGFzc3dvcmQ6' % na)
            t += r.uniform(0.01, 0.3)
            self.line(t, p.tag, '%slost connection after AUTH from %s' % ('NOQUEUE: ' if self.v311 else '', na))
            t += 0.001
            self.line(t, p.tag, 'disconnect from %s %s' % (na, self.cmd_summary(
                [('ehlo', 2, 2), ('starttls', 1, 1), ('auth', 0, 1)])))
            self.p_sub.done(p, t)
        elif x < 0.78:
            # scanner: connects and drops, or fails the TLS handshake
            t = self.postscreen_pass(t, ip)
            p = self.p_smtpd.get(t)
            na = 'unknown[%s]' % ip
            self.line(t, p.tag, 'connect from %s' % na)
            t += r.uniform(0.1, 2.0)
            if r.random() < 0.5:
                self.line(t, p.tag, 'SSL_accept error from %s: -1' % na)
                self.line(t, p.tag, 'warning: TLS library problem: %s' % LIB_NO_SHARED)
                t += 0.001
                self.line(t, p.tag, '%slost connection after STARTTLS from %s' % ('NOQUEUE: ' if self.v311 else '', na))
                parts = [('ehlo', 1, 1), ('starttls', 0, 1)]
            else:
                self.line(t, p.tag, '%slost connection after CONNECT from %s' % ('NOQUEUE: ' if self.v311 else '', na))
                parts = []
            t += 0.001
            self.line(t, p.tag, 'disconnect from %s %s' % (na, self.cmd_summary(parts)))
            self.p_smtpd.done(p, t)
        else:
            # dictionary attack: every recipient rejected, no queue file
            d = self.pick(self.doms_in, self.w_in_total)
            t = self.postscreen_pass(t, ip)
            p = self.p_smtpd.get(t)
            na = 'unknown[%s]' % ip
            self.line(t, p.tag, 'connect from %s' % na)
            tls = (r.choice(['TLSv1.2', 'TLSv1.3']), CIPHERS_12[0], 'Anonymous') if r.random() < 0.5 else None
            if tls and tls[0] == 'TLSv1.3':
                tls = ('TLSv1.3', CIPHERS_13[0], 'Anonymous')
            parts = [('ehlo', 1, 1)]
            if tls:
                t += r.uniform(0.05, 0.3)
                self.line(t, p.tag, '%s TLS connection established from %s: %s with cipher %s%s'
                          % (tls[2], na, tls[0], tls[1], self.server_suffix(tls[0])), ('TI',))
                parts = [('ehlo', 2, 2), ('starttls', 1, 1)]
            bad = '%s@%s' % (self.person_local(r), US)
            t += r.uniform(0.1, 0.5)
            self.line(t, p.tag, 'NOQUEUE: reject: RCPT from %s: 550 5.1.1 <%s>: Recipient address rejected: '
                      'User unknown in virtual mailbox table; from=<%s> to=<%s> proto=ESMTP helo=<%s>'
                      % (na, bad, self.address_at(d), bad, self.helo_for('unknown', ip)))
            parts += [('mail', 1, 1), ('rcpt', 0, 1), ('data', 0, 1), ('quit', 1, 1)]
            t += r.uniform(0.05, 0.2)
            self.line(t, p.tag, 'disconnect from %s %s' % (na, self.cmd_summary(parts)))
            self.p_smtpd.done(p, t)
        self.at(self.next_background(t, self.args.noise_per_hour), self.noise)

    def anvil_stats(self, t, _):
        if self.anvil is None:
            self.anvil = self.single('postfix/anvil')
        r = self.rng
        ip = r.choice(r.choice(self.doms_in).senders).ip
        when = self.clock.anvil_stamp(t - r.uniform(60, 500))
        self.line(t, self.anvil, 'statistics: max connection rate %d/60s for (smtpd:%s) at %s' % (r.randint(1, 4), ip, when))
        self.line(t, self.anvil, 'statistics: max connection count %d for (smtpd:%s) at %s' % (r.randint(1, 3), ip, when))
        self.line(t, self.anvil, 'statistics: max cache size %d at %s' % (r.randint(1, 9), when))
        self.at(t + 600 + r.uniform(0, 1200), self.anvil_stats)

    def restart(self, t, _):
        """Unattended upgrade: postfix is stopped and started again."""
        r = self.rng
        self.line(t, self.single('postfix/postfix-script'), 'stopping the Postfix mail system')
        master = getattr(self, 'master', None) or self.single('postfix/master')
        self.line(t + 0.01, master, 'terminating on signal 15')
        t += r.uniform(1.0, 3.0)
        self.line(t, self.single('postfix/postfix-script'), 'starting the Postfix mail system')
        self.master = self.single('postfix/master')
        ver = '3.11.1' if self.v311 else '3.8.6'
        self.line(t + 0.02, self.master, 'daemon started -- version %s, configuration /etc/postfix' % ver)
        for pool in self.pools:
            pool.reset()
        self.qmgr = self.single('postfix/qmgr')
        self.pickup = self.single('postfix/pickup')
        self.postscreen = self.single('postfix/postscreen')
        self.anvil = None

    def next_background(self, t, per_hour):
        return t + self.rng.expovariate(per_hour / 3600.0)

    # --- arrival process --------------------------------------------------------------------

    def weight(self, t):
        tm = self.clock.local(t)
        hw = HOUR_WEIGHT[tm.tm_hour]
        return hw * (0.3 if tm.tm_wday >= 5 else 1.0)

    def schedule_next_arrival(self, t):
        a = self.args
        if a.size is None:
            if self.arr_i < len(self.arr_times):
                self.at(self.arr_times[self.arr_i], self.arrival)
                self.arr_i += 1
            return
        # streaming: thinning of a Poisson process with the daily profile
        rate_max = a.rate / 86400.0 * MAX_W / MEAN_W
        while True:
            t += self.rng.expovariate(rate_max)
            if self.rng.random() * MAX_W <= self.weight(t):
                self.at(t, self.arrival)
                return

    def plan(self):
        a = self.args
        r = self.rng
        start, end = self.start, self.end
        if a.size is None:
            # exactly N arrivals, spread by the daily profile (day weight x hour weight)
            slots = []
            acc = 0.0
            for hour in range(int((end - start) // 3600)):
                ts = start + hour * 3600
                acc += self.weight(ts + 1)
                slots.append(acc)
            times = []
            last_ok = end - 120
            while len(times) < a.messages:
                hour = bisect.bisect_left(slots, r.random() * acc)
                tt = start + hour * 3600 + r.random() * 3600
                if tt < last_ok:
                    times.append(tt)
            times.sort()
            self.arr_times = times
            self.arr_i = 0
            self.schedule_next_arrival(start)
        else:
            self.schedule_next_arrival(start)
        # background
        self.at(self.next_background(start, a.noise_per_hour), self.noise)
        self.at(start + r.uniform(30, 700), self.anvil_stats)
        self.at(start + 6 * 3600 + 25 * 60 + r.uniform(0, 120), self.pickup_mail)
        # one content-filter restart and one outage of our TLS client engine per two days
        span = (end - start) if end != float('inf') else 30 * 86400.0
        lo = start + r.uniform(0.05, 0.45) * min(span, 2 * 86400)
        lo = self.align_hour(lo, 8)
        self.amavis_down = (lo, lo + r.uniform(240, 480))
        eo = start + r.uniform(0.3, 0.7) * min(span, 2 * 86400)
        eo = self.align_hour(eo, 11)
        self.engine_out = (eo, eo + r.uniform(25, 50) * 60)
        if span >= 86400 * 1.5:
            rs = self.align_hour(start + 86400 + r.uniform(0, 0.5) * 86400, 6)
            self.at(rs, self.restart)

    def align_hour(self, t, hour):
        """Move t to `hour` local time on the same day, keeping minutes random."""
        tm = self.clock.local(t)
        day0 = t - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec)
        return day0 + hour * 3600 + self.rng.uniform(0, 3000)

    # --- main loop --------------------------------------------------------------------------

    def run(self, sink):
        self.plan()
        heap = self.heap
        pop = heapq.heappop
        end = self.end
        truth = self.truth
        while heap:
            item = pop(heap)
            t = item[0]
            if t >= end:
                break
            fn = item[2]
            if fn is not None:
                fn(t, item[3])
                continue
            sink.write(t, item[3], item[4])
            if item[5] is not None:
                truth.apply(item[5])
            if sink.full:
                break


HOUR_WEIGHT = [0.12, 0.08, 0.06, 0.06, 0.06, 0.1, 0.25, 0.7, 1.6, 2.2, 2.3, 2.2,
               1.7, 1.9, 2.1, 2.0, 1.8, 1.1, 0.6, 0.5, 0.45, 0.4, 0.3, 0.2]
MAX_W = max(HOUR_WEIGHT)
MEAN_W = (sum(HOUR_WEIGHT) / 24.0) * (5 + 2 * 0.3) / 7.0


# ---------------------------------------------------------------------------------------------
# Command line


def parse_size(text):
    s = text.strip().upper()
    mult = 1
    for suf, m in (('K', 1 << 10), ('M', 1 << 20), ('G', 1 << 30), ('T', 1 << 40)):
        if s.endswith(suf) or s.endswith(suf + 'B') or s.endswith(suf + 'IB'):
            s = s[:s.index(suf)]
            mult = m
            break
    try:
        v = float(s) * mult
    except ValueError:
        raise argparse.ArgumentTypeError('bad size %r (use e.g. 500M, 1G, 123456)' % text)
    if v <= 0:
        raise argparse.ArgumentTypeError('size must be positive')
    return int(v)


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description='Generate a realistic Postfix log (small UK council mail server) and its truth figures.')
    ap.add_argument('--seed', type=int, default=1, help='random seed (default 1)')
    g = ap.add_mutually_exclusive_group()
    g.add_argument('--messages', type=int, help='number of messages arriving in the time window (default 300 per day)')
    g.add_argument('--size', type=parse_size, help='stop after this many bytes (e.g. 1G); the time window is then open-ended')
    ap.add_argument('--start', default='2026-03-03', help='first day, YYYY-MM-DD (local midnight, Europe/London)')
    ap.add_argument('--days', type=int, default=1, help='length of the time window in days (default 1)')
    ap.add_argument('--rate', type=float, default=20000.0, help='messages per day with --size (default 20000)')
    ap.add_argument('--prefix', choices=['traditional', 'rfc3339', 'maillog', 'journal-iso'], default='traditional')
    ap.add_argument('--version', choices=['3.8', '3.11'], default='3.8',
                    help='Postfix version: 3.11 adds the tls= field and logs bounces before the NDR')
    ap.add_argument('--host', default='mail', help='syslog HOSTNAME field (default mail)')
    ap.add_argument('--output', '-o', default='-', help='output file (.gz compresses); default stdout')
    ap.add_argument('--rotate', metavar='DIR', help='write a Debian-rotated set (mail.log, mail.log.1, mail.log.2.gz, ...) '
                                                   'with one file per day into DIR')
    ap.add_argument('--truth', metavar='FILE', help='write the expected figures as JSON')
    ap.add_argument('--noise-per-hour', type=float, default=6.0, help='scanner/bot sessions per hour (default 6)')
    a = ap.parse_args(argv)
    try:
        st = time.strptime(a.start, '%Y-%m-%d')
    except ValueError:
        ap.error('--start must be YYYY-MM-DD')
    if a.days < 1:
        ap.error('--days must be at least 1')
    if a.messages is not None and a.messages < 0:
        ap.error('--messages must not be negative')
    if a.rotate and a.size is not None:
        ap.error('--rotate needs a time window, not --size')
    if a.rotate and a.output != '-':
        ap.error('use either --rotate or --output')
    if a.noise_per_hour <= 0:
        ap.error('--noise-per-hour must be positive')
    if a.messages is None and a.size is None:
        a.messages = 300 * a.days
    midnight = calendar.timegm((st.tm_year, st.tm_mon, st.tm_mday, 0, 0, 0))
    a.start_ts = midnight - Clock('traditional').offset(midnight)
    a.end_ts = float('inf') if a.size is not None else a.start_ts + a.days * 86400
    a.queue_lifetime = 5 * 86400.0
    return a


def main(argv):
    a = parse_args(argv)
    sim = Sim(a)
    cuts = []
    if a.rotate:
        # logrotate runs shortly after midnight; its own random stream keeps the log itself
        # identical to the --output stream of the same options
        cut_rng = random.Random(a.seed + 1)
        for k in range(1, a.days):
            cuts.append(a.start_ts + k * 86400 + cut_rng.uniform(5, 1500))
    sink = Sink(sim.clock, a.host, a.output, a.rotate, cuts, a.size if a.size is not None else float('inf'))
    try:
        sim.run(sink)
        sink.close()
    except BrokenPipeError:
        try:
            sys.stdout = None
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        finally:
            return 0
    if a.truth:
        res = {'format': 'postfix', 'generator': 'scripts/gen-postfix-log.py', 'seed': a.seed,
               'messages': sim.arrivals, 'options': {
                   'start': a.start, 'year': int(a.start[:4]), 'days': a.days, 'prefix': a.prefix,
                   'version': a.version, 'host': a.host, 'size': a.size,
                   'timezone': 'Europe/London'},
               'files': [os.path.basename(f) for f in sink.files],
               'lines': sink.nlines, 'bytes': sink.nbytes}
        res.update(sim.truth.result())
        with open(a.truth, 'w') as fh:
            json.dump(res, fh, indent=1)
            fh.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
