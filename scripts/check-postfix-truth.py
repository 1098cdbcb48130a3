#!/usr/bin/env python3
# check-postfix-truth.py - re-derives the eval-public figures from Postfix log text and compares
# them with a truth JSON written by gen-postfix-log.py.
#
# It is an independent, deliberately plain reading of the counting rules in
# shared/eval-public/README.md, used to check that the generator's self-computed truth agrees
# with what its lines say. It is a development check, not a parser for real-world logs: it
# knows only the line shapes the generator writes. Usage:
#   check-postfix-truth.py TRUTH.json LOG [LOG ...]     (logs in time order; .gz is read too)
# Exit status 0 when every figure matches, 1 with a list of differences otherwise, 2 on bad usage.

import gzip
import json
import re
import sys

PREFIX = re.compile(r'^(?:[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) (\S+) (\S+?)\[(\d+)\]: (.*)$')
TLS_OUT = re.compile(r'^(\S+) TLS connection (?:established|reused) to (\S+): (\S+) with cipher')
TLS_IN = re.compile(r'^(\S+) TLS connection established from (\S+?)(?: to \S+)?: (\S+) with cipher')
DELIVERY = re.compile(r'^([0-9A-Za-z]+): to=<([^>]*)>, (?:orig_to=<[^>]*>, )?relay=(\S+?), (?:conn_use=\d+, )?'
                      r'delay=[^,]+, delays=[^,]+, (?:tls=([^,]+), )?dsn=([^,]+), status=(\S+) \((.*)\)$')
CLIENT = re.compile(r'^([0-9A-Za-z]+): client=[^\[]*\[([^\]]*)\]')
NONFINAL = re.compile(r'^([0-9A-F]{6,}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{12,}): (.*)$')
VERSIONS = {'TLSv1': '1.0', 'TLSv1.1': '1.1', 'TLSv1.2': '1.2', 'TLSv1.3': '1.3'}
RELAY_ADDR = re.compile(r'^[^\[]+\[([^\]]+)\]:\d+$')


def loopback(addr):
    return addr.startswith('127.') or addr == '::1'


def category(reason, detail):
    if 'TLS is required, but was not offered by host' in reason:
        return 'T01'
    if 'Must issue a STARTTLS command first' in reason or 'STARTTLS is required to send mail' in reason:
        return 'T02'
    if 'refused to start TLS' in reason:
        return 'T03'
    if 'our TLS engine is unavailable' in reason:
        return 'T04'
    if 'TLSA lookup error' in reason:
        return 'T12'
    if 'while receiving the STARTTLS response' in reason:
        return 'T14'
    if reason.startswith('Cannot start TLS'):
        d = detail or ''
        if any(x in d for x in ('wrong version number', 'unsupported protocol', 'alert protocol version')):
            return 'T05'
        if 'sslv3 alert handshake failure' in d or 'no shared cipher' in d:
            return 'T06'
        if 'dh key too small' in d:
            return 'T07'
        if 'lost connection' in d or 'Connection reset by peer' in d:
            return 'T14'
        return 'unknown-detail'
    if reason.startswith('Server certificate not verified'):
        d = detail or ''
        if 'certificate has expired' in d:
            return 'T08'
        if 'hostname mismatch' in d:
            return 'T09'
        if 'self-signed certificate' in d or 'untrusted issuer' in d:
            return 'T10'
        if 'external policy failure' in d:
            return 'T13'
        return 'unknown-detail'
    return 'non-tls'


def bump(d, k, n=1):
    d[k] = d.get(k, 0) + n


def check(truth_path, logs):
    out = {'delivered': 0, 'tls': 0, 'plaintext': 0, 'unknown': 0, 'ev': 0, 'by_version': {}, 'by_trust': {}}
    inb = {'delivered': 0, 'tls': 0, 'plaintext': 0, 'unknown': 0, 'ev': 0, 'by_version': {}, 'by_trust': {}}
    domains = {}
    fail = {'total': 0, 'by_category': {}, 'by_status': {}}
    ndrs = 0
    seen_out = seen_in = False
    sess = {}          # (host, inst, pid) -> [relay, adj, ver, qid]
    in_tls = {}        # (host, inst, pid) -> (ver, adj) or None
    ssl_detail = {}    # (host, inst, pid) -> latest SSL_connect/library line
    verify_detail = {}
    last_detail = {}   # (host, inst, domain, reason) -> detail, for "delivery temporarily suspended"
    lines = 0
    for path in logs:
        fh = gzip.open(path, 'rt') if path.endswith('.gz') else open(path)
        with fh:
            for raw in fh:
                lines += 1
                m = PREFIX.match(raw.rstrip('\n'))
                if not m:
                    continue
                host, prog, pid, msg = m.groups()
                parts = prog.split('/')
                inst, daemon = parts[0], parts[-1]
                key = (host, inst, pid)
                if daemon == 'smtp':
                    t = TLS_OUT.match(msg)
                    if t:
                        sess[key] = [t.group(2), t.group(1), t.group(3), None]
                        seen_out = True
                        continue
                    if msg.startswith('connect to ') or msg.startswith('SSL_connect error to '):
                        sess.pop(key, None)
                        if msg.startswith('SSL_connect error to '):
                            ssl_detail[key] = msg
                        continue
                    if msg.startswith('warning: TLS library problem:'):
                        ssl_detail[key] = msg
                        continue
                    if 'certificate verification failed for' in msg:
                        verify_detail[key] = msg
                        continue
                d = DELIVERY.match(msg)
                if d:
                    qid, rcpt, relay, tlsf, dsn, status, reason = d.groups()
                    dom = rcpt.rsplit('@', 1)[-1].lower()
                    covered = None
                    if daemon == 'smtp':
                        s = sess.get(key)
                        if s is not None:
                            if s[0] == relay and s[3] in (None, qid):
                                s[3] = qid
                                covered = s
                            else:
                                sess.pop(key, None)
                    if status in ('deferred', 'bounced'):
                        fail['total'] += 1
                        bump(fail['by_status'], status)
                        base = reason
                        suspended = base.startswith('delivery temporarily suspended: ')
                        if suspended:
                            base = base[len('delivery temporarily suspended: '):]
                        if suspended:
                            detail = last_detail.get((host, inst, dom, base))
                        elif base.startswith('Cannot start TLS'):
                            sd = ssl_detail.get(key, '')
                            detail = sd
                        elif base.startswith('Server certificate not verified'):
                            detail = verify_detail.get(key, '')
                        else:
                            detail = None
                        if daemon == 'smtp' and detail is not None and not suspended:
                            last_detail[(host, inst, dom, base)] = detail
                        bump(fail['by_category'], category(base, detail))
                    if daemon == 'smtp' and status == 'sent':
                        ra = RELAY_ADDR.match(relay)
                        if ra and not loopback(ra.group(1)):
                            out['delivered'] += 1
                            dd = domains.setdefault(dom, {'delivered': 0, 'tls': 0, 'plaintext': 0, 'ev': 0, 'unknown': 0})
                            dd['delivered'] += 1
                            if covered is not None:
                                out['tls'] += 1
                                dd['tls'] += 1
                                bump(out['by_version'], VERSIONS[covered[2]])
                                bump(out['by_trust'], covered[1].lower())
                            elif tlsf is not None:
                                first = tlsf.split('/')[0].strip('!?')
                                state = first.split(':', 1)[1] if ':' in first else first
                                state = state.strip('!?')
                                if state in ('none', 'nostarttls', 'noencryption'):
                                    out['plaintext'] += 1
                                    dd['plaintext'] += 1
                                else:
                                    out['tls'] += 1
                                    dd['tls'] += 1
                                    bump(out['by_version'], 'unknown')
                                    bump(out['by_trust'], 'unknown')
                            else:
                                out['ev'] += 1
                                dd['ev'] += 1
                    continue
                if daemon == 'smtp':
                    nf = NONFINAL.match(msg)
                    if nf:
                        rest = nf.group(2)
                        if not (rest.startswith('enabling PIX workarounds') or rest.startswith('passing <')
                                or rest.endswith('(in reply to RCPT TO command)')):
                            sess.pop(key, None)
                    continue
                if daemon == 'smtpd':
                    if msg.startswith('connect from '):
                        in_tls[key] = None
                        continue
                    t = TLS_IN.match(msg)
                    if t:
                        in_tls[key] = (t.group(3), t.group(1))
                        seen_in = True
                        continue
                    c = CLIENT.match(msg)
                    if c and not loopback(c.group(2)):
                        inb['delivered'] += 1
                        st = in_tls.get(key)
                        if st:
                            inb['tls'] += 1
                            bump(inb['by_version'], VERSIONS[st[0]])
                            bump(inb['by_trust'], st[1].lower())
                        else:
                            inb['ev'] += 1
                    continue
                if daemon == 'bounce' and ': sender non-delivery notification: ' in msg:
                    ndrs += 1
    for side, seen in ((out, seen_out), (inb, seen_in)):
        side['plaintext' if seen else 'unknown'] += side.pop('ev')
    for dd in domains.values():
        dd['plaintext' if seen_out else 'unknown'] += dd.pop('ev')

    truth = json.load(open(truth_path))
    diffs = []

    def cmp(name, got, want):
        if got != want:
            diffs.append('%s: log says %r, truth says %r' % (name, got, want))

    for side, t in (('outbound', out), ('inbound', inb)):
        for k in ('delivered', 'tls', 'plaintext', 'unknown', 'by_version', 'by_trust'):
            cmp('%s.%s' % (side, k), t[k], truth[side][k])
    cmp('domains', domains, truth['domains'])
    cmp('failures.total', fail['total'], truth['failures']['total'])
    cmp('failures.by_status', fail['by_status'], truth['failures']['by_status'])
    cmp('failures.by_category', fail['by_category'], truth['failures']['by_category'])
    cmp('ndrs', ndrs, truth['ndrs'])
    cmp('lines', lines, truth['lines'])
    return diffs


def main(argv):
    if len(argv) < 2:
        sys.stderr.write('usage: check-postfix-truth.py TRUTH.json LOG [LOG ...]\n')
        return 2
    diffs = check(argv[0], argv[1:])
    if diffs:
        for d in diffs:
            print(d)
        return 1
    print('ok: every figure matches')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
