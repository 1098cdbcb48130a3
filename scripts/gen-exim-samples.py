#!/usr/bin/env python3
# make-samples.py: writes the Exim sample logs of this folder (mainlog.2.gz, mainlog.1,
# mainlog): three days of a small council's mail server, 10-12 March 2025, with an
# upgrade from Exim 4.96 (GnuTLS, 16-char ids) to 4.98 (OpenSSL, 23-char ids) on the
# evening of day 1. Deterministic (fixed seed); run it from anywhere with python3.
# Every name and address is a documentation value (example.org/.com/.net, 192.0.2.0/24,
# 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32). Line shapes follow
# ../../../shared/reference/exim-formats.md and the real lines in shared/corpus.

import datetime as dt
import gzip
import os
import random

R = random.Random(20250310)
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sample-logs", "exim")
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
UTC = dt.timezone.utc
DAY1 = dt.datetime(2025, 3, 10, tzinfo=UTC)  # the council's zone is GMT in March
UPGRADE = DAY1 + dt.timedelta(hours=22, minutes=5)
END = DAY1 + dt.timedelta(days=3)
ME = "council.example.org"

out = []  # (time, order, text)
order = [0]


def log(t, text):
    order[0] += 1
    out.append((t, order[0], text))


def b62(n, width):
    s = ""
    for _ in range(width):
        s = B62[n % 62] + s
        n //= 62
    return s


def new_id(t):
    secs = int(t.timestamp())
    if t < UPGRADE:  # 4.96: 6-6-2
        return f"{b62(secs, 6)}-{b62(R.randrange(1000, 90000), 6)}-{b62(R.randrange(3844), 2)}"
    return f"{b62(secs, 6)}-{b62(R.randrange(1000, 900000), 11)}-{b62(R.randrange(62**4), 4)}"


def openssl(t):
    return t >= UPGRADE


def hexid():
    return "%016x" % R.getrandbits(64)


STAFF = [
    "a.khan", "b.owen", "c.morgan", "d.price", "e.walsh", "f.hughes", "g.lloyd", "h.evans",
    "i.patel", "j.thomas", "k.roberts", "l.davies", "m.jones", "n.wright", "o.clarke",
    "p.bennett", "planning", "council.tax", "housing.team", "licensing", "democratic.services",
    "r.ahmed", "s.turner", "t.phillips", "u.baker", "v.hall", "w.green", "y.ward",
]
HELOS = ["(LAPTOP-7Q2MBK)", "(WS-PLANNING-04)", "(DESKTOP-H3L9)", "(iPhone)", "(surface-go)"]
STAFF_IPS = ["198.51.100.20", "198.51.100.21", "2001:db8:c0:1::4d", "2001:db8:c0:1::91"]


def x_in(t, v13=True):
    if openssl(t):
        return "TLS1.3:TLS_AES_256_GCM_SHA384:256" if v13 else "TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256"
    return ("TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM:256" if v13
            else "TLS1.2:ECDHE_SECP256R1__RSA_SHA256__AES_256_GCM:256")


def x_out(t, kind):
    ossl = {
        "13": "TLS1.3:TLS_AES_256_GCM_SHA384:256",
        "13c": "TLS1.3:TLS_CHACHA20_POLY1305_SHA256:256",
        "12": "TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256",
        "12s": "TLS1.2:ECDHE-RSA-AES128-GCM-SHA256:128",
    }
    gnu = {
        "13": "TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM:256",
        "13c": "TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__CHACHA20_POLY1305:256",
        "12": "TLS1.2:ECDHE_SECP384R1__RSA_SHA256__AES_256_GCM:256",
        "12s": "TLS1.2:ECDHE_SECP256R1__RSA_SHA256__AES_128_GCM:128",
        "10": "TLS1.0:ECDHE_RSA_AES_256_CBC_SHA1:256",
    }
    return (ossl if openssl(t) else gnu)[kind]


def confirm(style):
    if style == "gsmtp":
        return f"250 2.0.0 OK  {R.randrange(1741500000, 1741800000)} {hexid()[:10]}si{R.randrange(10**6)}.{R.randrange(1000)} - gsmtp"
    if style == "outpost":
        return f"250 2.6.0 <{hexid()}@{ME}> [InternalId={R.randrange(10**12)}, Hostname=LO2P265MB{R.randrange(1000, 9999)}.GBRP265.PROD.OUTPOST.EXAMPLE.NET] {R.randrange(3000, 90000)} bytes in 0.{R.randrange(100, 999)}, 41.{R.randrange(100, 999)} KB/sec Queued mail for delivery"
    if style == "exim":
        return f"250 OK id={b62(R.randrange(62**6), 6)}-{b62(R.randrange(62**5), 11)}-{b62(R.randrange(62**4), 4)}"
    return f"250 2.0.0 Ok: queued as {b62(R.randrange(62**8), 10)}"


# Outbound domains: mx, ip, confirmation style, TLS behaviour.
DOMAINS = {
    "bigmail.example.com": ("mx1.bigmail.example.com", "203.0.113.10", "gsmtp", "ok13"),
    "outpost.example.net": ("outpost-example-net.mail.protection.outpost.example.net", "203.0.113.20", "outpost", "ok12"),
    "st-marys.example.net": ("st-marys-example-net.mail.protection.outpost.example.net", "203.0.113.21", "outpost", "ok12"),
    "hillside.example.net": ("hillside-example-net.mail.protection.outpost.example.net", "203.0.113.22", "outpost", "ok12"),
    "county.example.org": ("mx.county.example.org", "198.51.100.40", "exim", "ok13"),
    "supplier-a.example.com": ("mail.supplier-a.example.com", "203.0.113.30", "postfix", "ok13c"),
    "charity.example.org": ("mx.charity.example.org", "198.51.100.45", "postfix", "ok12"),
    "parish.example.org": ("mail.parish.example.org", "203.0.113.50", "postfix", "plain"),
    "contractor.example.com": ("mail.contractor.example.com", "203.0.113.60", "postfix", "selfsigned"),
    "oldsupplier.example.net": ("mail.oldsupplier.example.net", "198.51.100.70", "postfix", "tls10"),
    "housing.example.org": ("mx.housing.example.org", "198.51.100.80", "exim", "expired"),
    "courts.example.net": ("mx.courts.example.net", "203.0.113.90", "postfix", "mismatch"),
    "legacy.example.com": ("legacy-gw.legacy.example.com", "198.51.100.90", "postfix", "notls"),
    "archive.example.net": ("mail.archive.example.net", "203.0.113.95", "postfix", "tls10-require"),
    "constabulary.example.org": ("mx.constabulary.example.org", "2001:db8:5::25", "exim", "dane"),
    "flaky.example.com": ("mail.flaky.example.com", "203.0.113.120", "postfix", "eof"),
    "printshop.example.com": ("mail.printshop.example.com", "203.0.113.130", "postfix", "timeout"),
    "homemail.example.net": ("mx.homemail.example.net", "198.51.100.110", "postfix", "ok12"),
}
REQUIRE_TLS = {"county.example.org", "housing.example.org", "courts.example.net", "legacy.example.com",
               "constabulary.example.org"}
WEIGHTS = [
    ("bigmail.example.com", 30), ("outpost.example.net", 12), ("st-marys.example.net", 5),
    ("hillside.example.net", 5), ("county.example.org", 10), ("supplier-a.example.com", 6),
    ("charity.example.org", 5), ("parish.example.org", 6), ("contractor.example.com", 5),
    ("oldsupplier.example.net", 3), ("housing.example.org", 5), ("courts.example.net", 1),
    ("constabulary.example.org", 3), ("flaky.example.com", 3), ("printshop.example.com", 2),
    ("homemail.example.net", 4),
]
# Messages that tell a story: (day 0-2, hh, mm, sender, recipients).
STORIES = [
    (0, 14, 31, "democratic.services", ["clerk@archive.example.net"]),  # TLS 1.0 via GnuTLS: fine
    (0, 16, 45, "licensing", ["office@courts.example.net"]),  # queued across the upgrade
    (1, 10, 14, "planning", ["tom.h@legacy.example.com"]),  # TLS required, none offered
    (1, 11, 2, "democratic.services", ["clerk@archive.example.net"]),  # OpenSSL: downgrade, 5.7.3
    (1, 9, 12, "housing.team", ["office@housing.example.org", "admin@housing.example.org"]),
    (2, 15, 20, "licensing", ["j.smith@courts.example.net", "office@courts.example.net"]),
]
LOCALS = ["j.smith", "info", "office", "enquiries", "k.wood", "admin", "sarah.p", "tom.h",
          "accounts", "clerk", "head", "lee.m", "r.singh", "nina.b", "contact"]
UNKNOWN = {"old.user@bigmail.example.com", "k.woood@outpost.example.net", "clerk2@homemail.example.net"}
FULL = {"nina.b@homemail.example.net"}
SPECIAL = sorted(UNKNOWN) + sorted(FULL) + ["info@bigmial.example.com"]
# Minutes between retries of a deferred message (Exim's retry rules back off).
RETRY = [15, 15, 15, 15, 30, 45, 60, 90, 135, 200, 300, 360]


class Message:
    def __init__(self, t, sender, rcpts):
        self.id = new_id(t)
        self.sender = sender
        self.pending = list(rcpts)  # remote recipients not yet final
        self.bounced = []
        self.first = t
        self.warned = False
        self.tries = 0
        self.next_retry = t


queue = []  # messages with deferred recipients


def attempt(m, t, domain, rcpts, retry=False):
    """Delivers `rcpts` (same domain) of message `m` at `t`; returns the next time and
    the recipients still deferred."""
    mx, ip, style, kind = DOMAINS[domain]
    host = f"H={mx} [{ip}]"
    ossl = openssl(t)
    x = None
    cv = "yes"
    if kind in ("ok13", "ok13c", "ok12"):
        x = x_out(t, kind[2:])
    elif kind == "plain":
        if not retry and R.random() < 0.5:  # greylisting on the first try
            for r in rcpts:
                log(t, f"{m.id} == {r} R=dnslookup T=remote_smtp defer (-44) {host}: SMTP error from remote mail server after RCPT TO:<{r}>: 451 4.7.1 <{r}>: Recipient address rejected: Greylisted, see https://postgrey.example.org/help/{domain}")
            return rcpts
    elif kind == "selfsigned":
        if ossl:
            log(t, f"{m.id} [{ip}] SSL verify error: depth=0 error=self-signed certificate cert=/CN={mx}")
        x, cv = x_out(t, "12s"), "no"
    elif kind == "tls10" or kind == "tls10-require":
        if ossl:
            log(t, f"{m.id} TLS session: (SSL_connect): error:0A000102:SSL routines::unsupported protocol: delivering unencrypted to {host} (not in hosts_require_tls)")
            if kind == "tls10-require":
                for r in rcpts:
                    log(t, f"{m.id} == {r} R=dnslookup T=remote_smtp defer (-45) {host}: SMTP error from remote mail server after MAIL FROM:<{m.sender}> SIZE={R.randrange(3000, 60000)}: 451 5.7.3 STARTTLS is required to send mail")
                return rcpts
        else:
            x, cv = x_out(t, "10"), "no"
    elif kind == "expired":
        broken = DAY1 + dt.timedelta(days=1) <= t < DAY1 + dt.timedelta(days=2, hours=11, minutes=40)
        if broken:
            log(t, f"{m.id} [{ip}] SSL verify error: depth=0 error=certificate has expired cert=/CN={mx}")
            for r in rcpts:
                log(t, f"{m.id} == {r} R=dnslookup T=remote_smtp defer (-37) {host}: TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed")
            return rcpts
        x = x_out(t, "13")
    elif kind == "mismatch":
        if ossl:
            log(t, f"{m.id} [{ip}] SSL verify error: certificate name mismatch: DN=\"/CN=www.{domain}\" H=\"{mx}\"")
            err = "(SSL_connect): error:0A000086:SSL routines::certificate verify failed"
        else:
            err = "(certificate verification failed): certificate invalid"
        for r in rcpts:
            log(t, f"{m.id} == {r} R=dnslookup T=remote_smtp defer (-37) {host}: TLS session: {err}")
        return rcpts
    elif kind == "notls":
        for r in rcpts:
            log(t, f"{m.id} == {r} R=dnslookup T=remote_smtp defer (-38) {host}: a TLS session is required, but the server did not offer TLS support")
        return rcpts
    elif kind == "dane":
        if DAY1 + dt.timedelta(days=2, hours=9) <= t < DAY1 + dt.timedelta(days=2, hours=10, minutes=30):
            for r in rcpts:
                log(t, f"{m.id} == {r} R=dnslookup T=remote_smtp defer (-36): DANE error: tlsa lookup FAIL")
            return rcpts
        x, cv = x_out(t, "13"), "dane"
    elif kind == "eof":
        if not retry and R.random() < 0.6:
            err = ("(SSL_connect): error:0A000126:SSL routines::unexpected eof while reading" if ossl
                   else "(gnutls_handshake): The TLS connection was non-properly terminated.")
            for r in rcpts:
                log(t, f"{m.id} == {r} R=dnslookup T=remote_smtp defer (-37) {host}: TLS session: {err}")
            return rcpts
        x = x_out(t, "12")
    elif kind == "timeout":
        if not retry:
            log(t, f"{m.id} {host} Connection timed out")
            for r in rcpts:
                log(t, f"{m.id} == {r} R=dnslookup T=remote_smtp defer (110): Connection timed out")
            return rcpts
        x = x_out(t, "12")
    tls = f" X={x} CV={cv}" if x else ""
    c = confirm(style)
    first = True
    for r in rcpts:
        if r in UNKNOWN or r in FULL:
            code = ("550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table" % r
                    if r in UNKNOWN else "552 5.2.2 <%s>: Mailbox full" % r)
            after = "RCPT TO:<%s>" % r if r in UNKNOWN else "end of data"
            log(t, f"{m.id} ** {r} R=dnslookup T=remote_smtp {host}{tls}: SMTP error from remote mail server after {after}: {code}")
            m.bounced.append(r)
            continue
        flag = "=>" if first else "->"
        first = False
        k = " K" if style == "gsmtp" else ""
        log(t, f"{m.id} {flag} {r} R=dnslookup T=remote_smtp {host}{tls}{k} C=\"{c}\"")
    return []


def finish(m, t):
    """Bounce message for failed recipients, then Completed."""
    if m.bounced:
        user = "Debian-exim" if not openssl(t) else "exim"
        bid = new_id(t)
        log(t, f"{bid} <= <> R={m.id} U={user} P=local S={R.randrange(4000, 12000)}")
        local = m.sender.split("@")[0]
        log(t + dt.timedelta(seconds=1), f"{bid} => {local} <{m.sender}> R=local_user T=local_delivery")
        log(t + dt.timedelta(seconds=1), f"{bid} Completed")
    log(t + dt.timedelta(seconds=1), f"{m.id} Completed")


def deliver(m, t, retry=False):
    by_domain = {}
    for r in m.pending:
        by_domain.setdefault(r.split("@")[1], []).append(r)
    still = []
    for i, (domain, rcpts) in enumerate(sorted(by_domain.items())):
        if domain == "bigmial.example.com":
            for r in rcpts:
                log(t, f"{m.id} ** {r}: Unrouteable address")
                m.bounced.append(r)
            continue
        still += attempt(m, t + dt.timedelta(seconds=i), domain, rcpts, retry)
    m.pending = still
    if still:
        m.next_retry = t + dt.timedelta(minutes=RETRY[min(m.tries, len(RETRY) - 1)])
        m.tries += 1
        if m not in queue:
            queue.append(m)
    else:
        if m in queue:
            queue.remove(m)
        finish(m, t + dt.timedelta(seconds=len(by_domain)))


def staff_message(t, user=None, fixed=None):
    user = user or R.choice(STAFF)
    sender = f"{user}@{ME}"
    n = 0 if fixed else R.choices([1, 2, 3, 4], [70, 15, 10, 5])[0]
    rcpts = list(fixed or [])
    for _ in range(n):
        if R.random() < 0.25:
            rcpts.append(f"{R.choice(STAFF)}@{ME}")
            continue
        domain = R.choices([d for d, _ in WEIGHTS], [w for _, w in WEIGHTS])[0]
        rcpts.append(f"{R.choice(LOCALS)}@{domain}")
    if not fixed and R.random() < 0.04:
        rcpts.append(R.choice(SPECIAL))
    rcpts = list(dict.fromkeys(rcpts))
    m = Message(t, sender, rcpts)
    ip = R.choice(STAFF_IPS)
    log(t, f"{m.id} <= {sender} H={R.choice(HELOS)} [{ip}] P=esmtpsa X={x_in(t, R.random() < 0.7)} CV=no A=dovecot_plain:{sender} S={R.randrange(2000, 400000)} id={hexid()}@{ME}")
    t1 = t + dt.timedelta(seconds=1)
    for r in [r for r in rcpts if r.endswith("@" + ME)]:
        local = r.split("@")[0]
        log(t1, f"{m.id} => {local} <{r}> R=local_user T=local_delivery")
    m.pending = [r for r in rcpts if not r.endswith("@" + ME)]
    if m.pending:
        deliver(m, t + dt.timedelta(seconds=2))
    else:
        log(t1, f"{m.id} Completed")


INBOUND = [
    # (sender domain, client as logged, protocol, tls version or None)
    ("bigmail.example.com", "mail-yw1-f{n}.bigmail.example.com [203.0.113.{n}]", "esmtps", True),
    ("outpost.example.net", "mail-db8eur05on21{n}.outbound.protection.outpost.example.net [2001:db8:f00::{n}]", "esmtps", False),
    ("county.example.org", "mx.county.example.org [198.51.100.40]", "esmtps", True),
    ("parish.example.org", "mail.parish.example.org [203.0.113.50]", "esmtp", None),
    ("newsletter.example.com", "bounce{n}.newsletter.example.com [198.51.100.{n}]", "esmtps", False),
    ("residents.example.net", "smtp.residents.example.net (helo.residents.example.net) [203.0.113.{n}]", "esmtp", None),
]


def inbound_message(t):
    domain, client, proto, v13 = R.choices(INBOUND, [40, 20, 10, 6, 10, 6])[0]
    client = client.format(n=R.randrange(100, 200))
    sender = f"{R.choice(LOCALS)}@{domain}" if R.random() > 0.03 else "<>"
    mid = new_id(t)
    tls = f" X={x_in(t, v13)} CV=no" if proto == "esmtps" else ""
    log(t, f"{mid} <= {sender} H={client} P={proto}{tls} S={R.randrange(1500, 250000)} id={hexid()}@{domain}")
    t1 = t + dt.timedelta(seconds=1)
    for user in dict.fromkeys(R.choices(STAFF, k=R.choices([1, 2, 3], [80, 15, 5])[0])):
        log(t1, f"{mid} => {user} <{user}@{ME}> R=local_user T=local_delivery")
    log(t1, f"{mid} Completed")


def noise(t):
    k = R.choices(["reject", "tlserr", "auth", "scanner", "cron"], [30, 12, 10, 8, 4])[0]
    ip = f"203.0.113.{R.randrange(200, 254)}"
    if k == "reject":
        x = f" X={x_in(t)}" if R.random() < 0.5 else ""
        log(t, f"H=({R.choice(['User', 'win-2k19', 'ylmf-pc'])}) [{ip}]{x} F=<{R.choice(LOCALS)}@{R.choice(['promo.example.com', 'deals.example.net'])}> rejected RCPT <{R.choice(LOCALS)}@{ME}>: Unrouteable address")
    elif k == "tlserr":
        if openssl(t):
            err = R.choice(["(SSL_accept): error:0A000102:SSL routines::unsupported protocol",
                            "(SSL_accept): error:0A0000C1:SSL routines::no shared cipher",
                            "(SSL_accept): error:0A000126:SSL routines::unexpected eof while reading"])
        else:
            err = R.choice(["(gnutls_handshake): Could not negotiate a supported cipher suite.",
                            "(gnutls_handshake): An unexpected TLS packet was received."])
        log(t, f"TLS error on connection from (User) [{ip}] {err}")
    elif k == "auth":
        log(t, f"dovecot_login authenticator failed for (User) [{ip}]: 535 Incorrect authentication data (set_id={R.choice(STAFF)}@{ME})")
    elif k == "scanner":
        mid = new_id(t)
        user = R.choice(STAFF)
        log(t, f"{mid} <= scanner@{ME} H=(MFD-FLOOR2) [192.0.2.60] P=smtp S={R.randrange(80000, 900000)}")
        log(t + dt.timedelta(seconds=1), f"{mid} => {user} <{user}@{ME}> R=local_user T=local_delivery")
        log(t + dt.timedelta(seconds=1), f"{mid} Completed")
    else:
        mid = new_id(t)
        log(t, f"{mid} <= root@mail.{ME} U=root P=local S={R.randrange(600, 3000)}")
        log(t + dt.timedelta(seconds=1), f"{mid} => root <root@mail.{ME}> R=system_aliases T=local_delivery")
        log(t + dt.timedelta(seconds=1), f"{mid} Completed")


def busy(t):
    h = t.hour + t.minute / 60
    return 1.0 if 8 <= h < 17.5 else (0.35 if 7 <= h < 20 else 0.06)


def queue_run(t):
    pid = R.randrange(3000, 60000)
    log(t, f"Start queue run: pid={pid}")
    for m in list(queue):
        age = t - m.first
        if t < m.next_retry:
            continue
        if (not m.warned and age >= dt.timedelta(hours=24)):
            m.warned = True
            wid = new_id(t)
            user = "Debian-exim" if not openssl(t) else "exim"
            log(t, f"{wid} <= <> R={m.id} U={user} P=local S={R.randrange(3000, 9000)}")
            local = m.sender.split("@")[0]
            log(t + dt.timedelta(seconds=1), f"{wid} => {local} <{m.sender}> R=local_user T=local_delivery")
            log(t + dt.timedelta(seconds=1), f"{wid} Completed")
        deliver(m, t + dt.timedelta(seconds=3), retry=True)
    log(t + dt.timedelta(seconds=5), f"End queue run: pid={pid}")


def main():
    t = DAY1
    next_run = DAY1 + dt.timedelta(minutes=R.randrange(1, 30))
    upgraded = False
    stories = sorted((DAY1 + dt.timedelta(days=d, hours=h, minutes=mi), u, r) for d, h, mi, u, r in STORIES)
    while t < END:
        t += dt.timedelta(seconds=R.randrange(20, 160))
        while stories and stories[0][0] <= t:
            when, user, rcpts = stories.pop(0)
            staff_message(when, user, rcpts)
        if not upgraded and t >= UPGRADE:
            upgraded = True
            log(UPGRADE, "exim 4.98 daemon started: pid=2211, -q30m, listening for SMTP on port 25 (IPv6 and IPv4) port 587 (IPv6 and IPv4) and for SMTPS on port 465 (IPv6 and IPv4)")
        while t >= next_run:
            queue_run(next_run)
            next_run += dt.timedelta(minutes=30)
        if R.random() > busy(t):
            continue
        r = R.random()
        if r < 0.40:
            staff_message(t)
        elif r < 0.85:
            inbound_message(t)
        else:
            noise(t)
    days = {}
    for when, n, text in sorted(out):
        if when >= END:
            continue
        days.setdefault(when.date(), []).append(f"{when:%Y-%m-%d %H:%M:%S} {text}\n")
    names = ["mainlog.2.gz", "mainlog.1", "mainlog"]
    for name, day in zip(names, sorted(days)):
        data = "".join(days[day]).encode()
        path = os.path.join(HERE, name)
        if name.endswith(".gz"):
            with open(path, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
                g.write(data)
        else:
            with open(path, "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
