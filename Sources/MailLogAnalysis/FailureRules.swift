// FailureRules.swift: the classification rules, as data. Tried in order, first match
// wins, so specific causes come before umbrellas and TLS before non-TLS.
//
// Each rule carries real texts it must match (from /work/shared/corpus, the eval logs
// and the texts quoted in reference/tls-failures.md, postfix/exim/exchange-formats.md)
// and texts it must not match; one test runs them all through the classifier. Order:
// T17 downgrade, T16 REQUIRETLS, T04 ours, T01/T03/T02 STARTTLS policy, T12 DANE,
// T13 MTA-STS, certificate causes (T08 T09 T11 T10), T07 T06 T05 handshake causes, T14
// lost connection, umbrellas (cause from the detail), then non-TLS kinds.

/// The built-in rules.
public enum FailureRules {
  // Umbrella texts that must not be claimed by a cause rule.
  static let umbrellas = [
    "Cannot start TLS: handshake failure", "Server certificate not verified",
    "Server certificate not trusted",
    "TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed",
  ]

  /// All rules in matching order.
  public static let all: [FailureRule] = tls + nonTLS

  static let tls: [FailureRule] = [
    // T17: delivered, but in clear after a TLS failure (coverage, not a bounce).
    FailureRule(
      "t17.exim.unencrypted", .t17, #"delivering unencrypted to "#,
      matches: [
        "TLS session: (certificate verification failed): certificate invalid: delivering unencrypted to H=192.0.2.1 [192.0.2.1] (not in hosts_require_tls)",
        "TLS session: (SSL_connect): error:0A000410:SSL routines::sslv3 alert handshake failure: delivering unencrypted to H=mx.example.net [192.0.2.7] (not in hosts_require_tls)",
        "TLS session failure: delivering unencrypted to 192.0.2.6 [192.0.2.6] (not in hosts_require_tls)",
      ],
      nonMatches: [
        "TLS session: (SSL_connect): error:0A000410:SSL routines::sslv3 alert handshake failure"
      ]),

    // T16: REQUIRETLS (RFC 8689).
    FailureRule(
      "t16.requiretls", .t16,
      #"Sender requested REQUIRETLS|REQUIRETLS (?:support required|policy)|(?<![\w.])[45]\.7\.30(?!\d)"#,
      matches: [
        "Sender requested REQUIRETLS, but no server was found that supports REQUIRETLS. The last attempted server was mx.example.net[192.0.2.10]",
        "5.7.30 Sender requested REQUIRETLS, but TLS service was not offered by host mx.example.net[192.0.2.10]",
        "host mx.example.net[192.0.2.10] said: 530 5.7.4 REQUIRETLS support required (in reply to MAIL FROM command)",
      ],
      nonMatches: ["TLS is required, but was not offered by host mx.example.net[192.0.2.10]"]),

    // T04: our own TLS engine or policy.
    FailureRule(
      "t04.postfix.engine", .t04,
      #"TLS is required, but our TLS engine is unavailable|client TLS configuration problem"#,
      matches: [
        "TLS is required, but our TLS engine is unavailable",
        "client TLS configuration problem",
      ]),
    FailureRule(
      "t04.postfix.unavailable", .t04, #"TLS is required, but unavailable"#, confidence: .medium,
      matches: ["TLS is required, but unavailable"],
      nonMatches: ["TLS is required, but our TLS engine is unavailable"]),
    FailureRule(
      "t04.postfix.disabled", .t04,
      #"disabling TLS support|cannot load Certification Authority data|no entropy for TLS key generation|calling stat\(/etc/ssl/"#,
      confidence: .medium,
      matches: [
        "warning: cannot load Certification Authority data, CAfile=\"/etc/ssl/certs/ca-certificates.crt\": disabling TLS support",
        "warning: TLS library problem: error:80000002:system library::No such file or directory:../providers/implementations/storemgmt/file_store.c:267:calling stat(/etc/ssl/certs/ca-certificates.crt)",
      ]),
    FailureRule(
      "t04.exchange.credentials", .t04,
      #"TLS negotiation failed with error (?:NoCredentials|UnknownCredentials)|certificate specified in TlsCertificateName"#,
      matches: [
        "451 4.4.0 Primary target IP address responded with: \"421 4.4.1 Connection timed out.\" TLS negotiation failed with error UnknownCredentials",
        "454 4.7.5 The certificate specified in TlsCertificateName of the SendConnector could not be found.",
        "TLS negotiation failed with error NoCredentials",
      ]),
    FailureRule(
      "t04.exchange.invalid-token", .t04,
      #"(?:TLS negotiation failed with error|Security status) InvalidToken"#,
      confidence: .medium,
      matches: ["TLS negotiation failed with error InvalidToken"]),

    // T01: the recipient does not offer STARTTLS, our policy requires it.
    FailureRule(
      "t01.postfix.not-offered", .t01, #"TLS is required, but was not offered by host"#,
      matches: [
        "TLS is required, but was not offered by host h6.d9.example.com[192.0.2.84]",
        "delivery temporarily suspended: TLS is required, but was not offered by host h42.d72.example.com[xx.xxx.72.32]",
      ]),
    FailureRule(
      "t01.exim.not-offered", .t01,
      #"a TLS session is required(?: for \S+ \[[^\]]*\])?, but the server did not offer TLS support|required by DNS SRV but STARTTLS not offered"#,
      matches: [
        "a TLS session is required, but the server did not offer TLS support",
        "Connection aborted; STARTTLS support by mx.example.net [192.0.2.10] required by DNS SRV but STARTTLS not offered",
      ]),
    FailureRule(
      "t01.exim.attempt-failed", .t01,
      #"a TLS session is required(?: for \S+ \[[^\]]*\])?, but an attempt to start TLS failed"#,
      refinedByDetail: true, confidence: .medium,
      matches: ["a TLS session is required, but an attempt to start TLS failed"]),
    FailureRule(
      "t01.exchange.dane", .t01, #"(?<![\w.])[45]\.7\.321(?!\d)|starttls-not-supported"#,
      matches: [
        "550 5.7.321 starttls-not-supported: Destination mail server must support TLS to receive mail.",
        "451 4.7.321 starttls-not-supported: Destination mail server must support TLS to receive mail.",
      ]),
    FailureRule(
      "t01.exchange.connector", .t01,
      #"requires Transport Layer Security \(TLS\) authentication, but is unable to establish TLS|STARTTLS command not supported"#,
      matches: [
        "Send connector Outbound couldn't connect to remote domain example.net. The send connector requires Transport Layer Security (TLS) authentication, but is unable to establish TLS with the receiving server for the remote domain.",
        "Info: DCID 123456 STARTTLS command not supported.",
      ]),
    FailureRule(
      "t01.exchange.cannot-connect", .t01,
      #"(?<![\w.])[45]\.4\.317 (?:Message expired, )?cannot connect to remote server(?!\s*[\[(])"#,
      confidence: .medium,
      matches: ["450 4.4.317 Cannot connect to remote server"],
      nonMatches: [
        "450 4.4.317 Cannot connect to remote server [Message=UntrustedRoot]",
        "'550 5.4.317 Message expired, cannot connect to remote server(450-4.4.317 Cannot connect to remote server [Message=550-5.7.0 Connection refused - IB116. 198.51.100.122 Senderscore too low.",
      ]),

    // T03: the peer offers STARTTLS but refuses to start it.
    FailureRule(
      "t03.refused", .t03,
      #"refused to start TLS|TLS not available due to (?:local|temporary) (?:problem|reason)|TLS (?:currently )?unavailable|Unable to initialize security subsystem|TLS missing certificate"#,
      matches: [
        "TLS is required, but host mx.cobalt.example.net[192.0.2.44] refused to start TLS: 454 4.7.0 TLS not available due to local problem",
        "SMTP error from remote mail server after STARTTLS: 454 TLS currently unavailable",
        "host mx.example.net[192.0.2.10] said: 554 5.7.3 Unable to initialize security subsystem (in reply to MAIL FROM command)",
        "454 454 TLS missing certificate: error:0200100D:system library:fopen:Permission denied (#4.3.0) (state 9).",
      ],
      nonMatches: ["TLS is required, but unavailable"]),
    FailureRule(
      "t03.exim.after-starttls", .t03,
      #"SMTP error from remote mail server after STARTTLS: [45]\d\d"#, confidence: .medium,
      matches: ["SMTP error from remote mail server after STARTTLS: 450 temp problem"]),

    // T02: the recipient requires TLS and we sent in clear.
    FailureRule(
      "t02.requires-tls", .t02,
      #"Must issue a STARTTLS command first|STARTTLS is required to send mail|TLS required for RCPT domain|requires encryption \(tls\)|Failed to establish appropriate TLS channel|(?:wasn'?t|was not|not) sent over (?:a )?TLS|(?<![\w.])5\.7\.0 (?:STARTTLS|TLS|Encryption) required"#,
      matches: [
        "host mx.harbor.example.com[192.0.2.31] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)",
        "SMTP error from remote mail server after MAIL FROM:<rosa@ourmail.example.org> SIZE=2770: 451 5.7.3 STARTTLS is required to send mail [AM9PR07MB1234.eurprd07.prod.outlook.com]",
        "450 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail] [LastAttemptedServerName=example.org] [LastAttemptedIP=203.0.113.148:25] [MW2NAM12FT041.eop-nam12.prod.outlook.com](451 5.7.3 STARTTLS is required to send mail)",
        "Server at MN2PR13MB4005.namprd13.prod.outlook.com returned '550 5.4.317 Message expired, cannot connect to remote server(451 5.7.3 STARTTLS is required to send mail)'",
        "host gmail-smtp-in.l.google.com[192.0.2.27] said: 421 4.7.0 TLS required for RCPT domain, closing connection. (in reply to RCPT TO command)",
        "421 4.7.29 Your email has been rate limited because this message wasn't sent over a TLS connection. Gmail requires all bulk email senders to use TLS/SSL for SMTP connections.",
        "553 this route requires encryption (tls)",
        "454 4.7.0 Failed to establish appropriate TLS channel: Access Denied (in reply to RCPT TO command)",
      ],
      nonMatches: ["TLS is required, but was not offered by host mx.example.net[192.0.2.10]"]),

    // T12: DANE / TLSA.
    FailureRule(
      "t12.postfix.tlsa", .t12, #"TLSA lookup error|all TLSA records (?:are )?unusable"#,
      matches: [
        "TLSA lookup error for mx.apex-river.example.net:25",
        "warning: mx.example.net[192.0.2.10]:25: all TLSA records unusable, fallback to encrypt",
      ]),
    FailureRule(
      "t12.postfix.tlsa-policy", .t12, #"not trusted by local or TLSA policy"#, confidence: .medium,
      matches: [
        "certificate verification failed for mx.example.net[192.0.2.10]:25: not trusted by local or TLSA policy"
      ]),
    FailureRule(
      "t12.exim.dane", .t12, #"DANE error: \S+ lookup not DNSSEC"#, rfc8460: "dane-required",
      matches: ["DANE error: mx.example.net lookup not DNSSEC"]),
    FailureRule(
      "t12.exim.tlsa", .t12, #"DANE error|DANE attempt failed|dane:fail"#,
      matches: [
        "DANE error: tlsa lookup FAIL",
        "DANE attempt failed; TLS connection to danebroken2.example.org [192.0.2.1]: (certificate verification failed): Verification failed. CA constrains were violated.",
      ]),
    FailureRule(
      "t12.exchange", .t12,
      #"(?<![\w.])[45]\.7\.32[34](?!\d)|tlsa-invalid|dnssec-invalid|dane-required"#,
      matches: [
        "550 5.7.323 tlsa-invalid: The domain failed DANE validation.",
        "451 4.7.324 dnssec-invalid: Destination domain returned invalid DNSSEC records",
      ]),

    // T13: MTA-STS.
    FailureRule(
      "t13.mta-sts", .t13,
      #"external policy failure|sts-policy-(?:fetch-error|invalid)|sts-webpki-invalid|MTA-STS validation"#,
      matches: [
        "certificate verification failed for mx.brightcitadel.example.net[192.0.2.60]:25: external policy failure (sts-policy-invalid)",
        "451 4.4.8 MX hosts of example.net failed MTA-STS validation.",
        "550 5.7.5 Remote certificate failed MTA-STS validation. Reason: NameMismatch",
      ]),

    // T08: expired or not yet valid.
    FailureRule(
      "t08.not-yet-valid", .t08, #"certificate (?:is )?not yet valid"#,
      rfc8460: "validation-failure",
      matches: [
        "server certificate verification failed for mx.example.net[192.0.2.10]:25: certificate not yet valid"
      ]),
    FailureRule(
      "t08.expired", .t08,
      #"certificate has expired|CertificateExpired|Certificate expired|certificate-expired|(?<![\w.])[45]\.7\.322(?!\d)|certificate is no longer valid"#,
      matches: [
        "server certificate verification failed for mx.example.net[192.0.2.10]:25: certificate has expired",
        "1vF4kw-00000000c5G-3NcF [192.0.2.11] SSL verify error: depth=0 error=certificate has expired cert=/CN=mx.example.net",
        "450 4.4.317 Cannot connect to remote server [Message=CertificateExpired Expected Subject: mail.example.com. Presented Subject: CN=mail.example.com. Thumbprint: 94E711DD84BC285CD2911DAC3D0C9E3ABB29671E.] [LastAttemptedServerName=mail.example.com] [LastAttemptedIP=198.51.100.25:25] [SmtpSecurity=-1;-1] [DM6NAM11FT035.eop-nam11.prod.protection.outlook.com 2025-01-04T16:37:07.429Z 08DD2CB85E2FE9DB]",
        "550 5.7.322 certificate-expired: Destination mail server's certificate is expired.",
        "STARTTLS upgrade failed: unexpected EOF (certificate has expired): error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed",
      ]),

    // T09: name mismatch.
    FailureRule(
      "t09.mismatch", .t09,
      #"hostname mismatch|certificate name mismatch|SubjectMismatch|Certificate subject mismatch|certificate-host-mismatch|(?<![\w.])[45]\.7\.325(?!\d)|certificate doesn'?t match the host|certificate does not match (?:the )?host"#,
      matches: [
        "server certificate verification failed for mx.example.net[2001:db8:77::2d]:25: num=62:hostname mismatch",
        "10HmaX-000000005vi-0000 [192.0.2.4] SSL verify error: certificate name mismatch: DN=\"/C=UK/O=Example Org/OU=Test Suite/CN=Test Person\" H=\"192.0.2.4\"",
        "Reason: [{LED=450 4.7.320 Certificate validation failed [Message=SubjectMismatch] [LastAttemptedServerName=mail.contoso.com] [LastAttemptedIP=192.0.2.5:25]};{MSG=SubjectMismatch};{FQDN=mail.contoso.com};{IP=192.0.2.5};{LRT=}]",
        "550 5.7.325 certificate-host-mismatch: Remote certificate MUST have a common name or subject alternative name matching the hostname (DANE)",
        "TLS Negotiation failed, the certificate doesn't match the host.",
        "SSL_connect returned=1 errno=0 state=error: certificate verify failed (Hostname mismatch)",
      ]),

    // T11: intermediate certificate missing.
    FailureRule(
      "t11.chain", .t11,
      #"unable to get local issuer certificate|unable to verify the first certificate|unable_to_get_local_issuer_certificate"#,
      matches: [
        "1vF4kw-00000000c5G-3NcF [192.0.2.12] SSL verify error: depth=0 error=unable to verify the first certificate cert=/CN=mx.cedararbor.example.net",
        "STARTTLS=client, relay=mx.example.net, version=TLSv1/SSLv3, verify=FAIL, verifymsg=unable to get local issuer certificate",
      ]),
    FailureRule(
      "t11.exchange.untrusted-root", .t11, #"Message=UntrustedRoot"#, confidence: .medium,
      matches: ["450 4.4.317 Cannot connect to remote server [Message=UntrustedRoot]"]),

    // T10: untrusted certificate.
    FailureRule(
      "t10.public-root-untrusted", .t10,
      #"untrusted issuer .*(?:DigiCert|ISRG|GlobalSign|Sectigo|COMODO|USERTrust|Go ?Daddy|Starfield|Amazon|Google Trust Services|GTS|Entrust|Baltimore|QuoVadis|IdenTrust|Buypass|Certum|Actalis|HARICA|T-TeleSec|D-TRUST|SwissSign|Microsoft|SSL\.com|thawte|VeriSign|GeoTrust)[^/]*(?:Root|Certification Authority)"#,
      confidence: .medium, action: .us,
      nextStep:
        "The recipient's certificate chains to a well-known public root, so our own list of "
        + "trusted authorities (CA file) is most likely missing or broken. Escalate to our "
        + "mail team; the recipient has nothing to do.",
      matches: [
        "certificate verification failed for h37.d9.example.com[192.0.2.81]:25: untrusted issuer /C=US/O=DigiCert Inc/OU=www.digicert.com/CN=DigiCert Global Root CA"
      ],
      nonMatches: [
        "certificate verification failed for mx.example.net[192.0.2.9]:25: untrusted issuer /O=Acme Private PKI/CN=Acme Private Root R1",
        "certificate verification failed for mx.example.net[192.0.2.9]:25: untrusted issuer /C=US/O=Let's Encrypt/CN=R3",
      ]),
    FailureRule(
      "t10.untrusted", .t10,
      #"self[- ]signed certificate|untrusted issuer|certificate revoked|alert unknown ca|re-using session with untrusted"#,
      matches: [
        "certificate verification failed for h44.d74.example.com[192.0.2.52]:25: self-signed certificate.",
        "certificate verification failed for mx.example.net[192.0.2.9]:25: untrusted issuer /O=Acme Private PKI/CN=Acme Private Root R1",
        "certificate verification failed for mail.example.com[192.0.2.52]:25: untrusted issuer /C=de/L=XXX/O=XXX GmbH/CN=XX XX XXX CA/emailAddress=XX@XX",
        "10HmaX-000000005vi-0000 [192.0.2.1] SSL verify error: depth=0 error=self signed certificate cert=/C=UK/O=Example Org/OU=Test Suite/CN=Test Person",
        "TLS session: (SSL_connect) Server certificate revoked",
        "warning: TLS library problem: 10407:error:14094418:SSL routines:SSL3_READ_BYTES:tlsv1 alert unknown ca:s3_pkt.c:1256:SSL alert number 48",
      ]),
    FailureRule(
      "t10.gnutls-invalid", .t10,
      #"\(certificate verification failed\): certificate invalid|Certificate validation failure"#,
      confidence: .medium,
      matches: [
        "TLS session: (certificate verification failed): certificate invalid",
        "454 4.7.5 Certificate validation failure",
      ]),

    // T07: weak keys.
    FailureRule(
      "t07.weak-key", .t07, #"(?:dh|ee|ca) key too small|ca md too weak|dh_key_too_small"#,
      matches: [
        "warning: TLS library problem: error:0A00018A:SSL routines::dh key too small:../ssl/statem/statem_clnt.c:2135:",
        "SSL_connect returned=1 errno=0 state=error: dh key too small",
        "TLS session: (SSL_connect): error:0A00018F:SSL routines::ee key too small",
      ]),

    // T06: no shared cipher, handshake failure alert.
    FailureRule(
      "t06.cipher", .t06,
      #"no shared cipher|alert handshake failure|no ciphers available|no cipher match|Could not negotiate a supported cipher suite|requires high-strength ciphers|insufficient security"#,
      matches: [
        "warning: TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1605:SSL alert number 40:",
        "warning: TLS library problem: error:142090C1:SSL routines:tls_early_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:1779:",
        "TLS error on connection from mx.example.net (myhost.example.net) [192.0.2.4] (gnutls_handshake): Could not negotiate a supported cipher suite.",
        "553 this route requires high-strength ciphers",
      ],
      nonMatches: ["Cannot start TLS: handshake failure"]),
    FailureRule(
      "t06.exchange.illegal-message", .t06, #"Security status IllegalMessage"#, confidence: .medium,
      matches: [
        "LED=450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 Security status IllegalMessage]"
      ]),

    // T05: protocol version.
    FailureRule(
      "t05.version", .t05,
      #"wrong version number|unsupported protocol|alert protocol version|version too low|unknown protocol|inappropriate fallback|no protocols available|requires tls version|mismatch in TLS versions"#,
      matches: [
        "warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:",
        "TLS session: (SSL_connect): error:0A000102:SSL routines::unsupported protocol",
        "warning: TLS library problem: error:0A00042E:SSL routines::tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1605:SSL alert number 70:",
        "warning: TLS library problem: error:1420918C:SSL routines:tls_early_post_process_client_hello:version too low:../ssl/statem/statem_srvr.c:1661:",
        "553 this route requires tls version 1.2 or greater",
        "host h41.d71.example.com[192.0.2.83] said: 550 5.7.4 XGEMAIL_0006 Command rejected : The rejection of the message occurred due to a mismatch in TLS versions between the configured TLS version is Preferred TLS 1.3 for the recipient: xx@d70.example.com and the sender: d7.example.com TLS version is not available (in reply to RCPT TO command)",
      ]),

    // T14: connection lost during or right after the handshake.
    FailureRule(
      "t14.postfix.lost", .t14,
      #"SSL_connect error to \S+: (?:lost connection|Connection reset by peer|Connection timed out|Broken pipe)|while receiving the STARTTLS response|lost connection after STARTTLS|SSL_accept error from \S+: (?:lost connection|Connection reset by peer)"#,
      matches: [
        "SSL_connect error to mail.example.org[192.0.2.53]:25: lost connection",
        "lost connection with mx.example.net[192.0.2.10] while receiving the STARTTLS response",
        "conversation with mx.example.net[192.0.2.10] timed out while receiving the STARTTLS response",
        "SSL_accept error from h46.d76.example.com[192.0.2.87]: Connection reset by peer",
      ],
      nonMatches: [
        "SSL_connect error to mail.example.org[192.0.2.53]:25: -1",
        "lost connection with mx.example.net[192.0.2.10] while sending message body",
      ]),
    FailureRule(
      "t14.eof", .t14,
      #"unexpected eof|\(tls lib (?:connect|accept) fn\): timed out|TLS session: .*\btimed out|error on first read|bad first read from TLS conn|non-properly terminated|TCP connection closed by peer"#,
      matches: [
        "TLS session: (SSL_connect): error:0A000126:SSL routines::unexpected eof while reading",
        "TLS session: (tls lib connect fn): timed out",
        "TLS session: error on first read",
        "H=mx.example.net [192.0.2.5] TLS error on connection (recv): The TLS connection was non-properly terminated.",
      ]),
    FailureRule(
      "t14.exchange", .t14,
      #"Connection was closed abruptly|(?<![\w.])[45]\.4\.318(?!\d)|TLS handshake failed|TLS negotiation failed with error SocketError"#,
      confidence: .medium,
      matches: [
        "450 4.4.318 Connection was closed abruptly",
        "Diagnostic-Code: SMTP; 403 4.7.0 TLS handshake failed.",
        "Reason: [{LED=450 4.4.317 Cannot connect to remote server [Message=451 4.4.0 TLS negotiation failed with error SocketError] [LastAttemptedServerName=xxx] [LastAttemptedIP=xxx] [SmtpSecurity=-2;-2] [DM6NAM12FT012.eop-nam12.prod.protection.outlook.com 2023-03-07T18:46:06.378Z 08DB1DF24DB12D84]};{MSG=4. OutboundProxyTargetIP: xxx. OutboundProxyTargetHostName: xxx",
      ]),

    // Postfix summary lines given as the detail of `Server certificate not verified`
    // when no verification line was logged: a trusted chain that still failed the
    // match is a name mismatch; an untrusted one is a trust failure.
    FailureRule(
      "t09.postfix.trusted-not-verified", .t09,
      #"(?<![A-Za-z])Trusted TLS connection (?:established|reused)"#,
      caseless: false, confidence: .medium,
      matches: [
        "Trusted TLS connection established to h54.d86.example.com[192.0.2.101]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"
      ],
      nonMatches: [
        "Untrusted TLS connection established to h5.d8.example.com[192.0.2.86]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"
      ]),
    FailureRule(
      "t10.postfix.untrusted-not-verified", .t10,
      #"Untrusted TLS connection (?:established|reused)"#,
      caseless: false, confidence: .medium,
      matches: [
        "Untrusted TLS connection established to h5.d8.example.com[192.0.2.86]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256"
      ]),

    // Umbrellas: the detail line decides; these categories are the fallback.
    FailureRule(
      "t10.verify-failed", .t10, #"certificate verify failed"#, refinedByDetail: true,
      confidence: .medium,
      matches: [
        "TLS session: (SSL_connect): error:0A000086:SSL routines::certificate verify failed",
        "warning: TLS library problem: error:0A000086:SSL routines::certificate verify failed:../ssl/statem/statem_clnt.c:1889:",
      ]),
    FailureRule(
      "postfix.cert-not-trusted", .t10, #"Server certificate not trusted"#, refinedByDetail: true,
      confidence: .medium, matches: ["Server certificate not trusted"]),
    FailureRule(
      "postfix.cert-not-verified", .t10, #"Server certificate not verified"#,
      refinedByDetail: true, confidence: .low,
      matches: [
        "Server certificate not verified",
        "delivery temporarily suspended: Server certificate not verified",
      ]),
    FailureRule(
      "postfix.handshake-failure", .t06, #"Cannot start TLS: handshake failure"#,
      refinedByDetail: true, confidence: .low,
      matches: ["Cannot start TLS: handshake failure"]),
    FailureRule(
      "tls.handshake-generic", .t06,
      #"TLS session: |TLS session failure|TLS error on connection|TLS negotiation failed|SSL_connect error"#,
      refinedByDetail: true, confidence: .low,
      matches: [
        "TLS session: (handshake): ALPN required but not negotiated",
        "TLS session: (gnutls_handshake): rxd alert: Internal error",
        "SSL_connect error to mail.example.org[192.0.2.53]:25: -1",
      ]),
    FailureRule(
      "t08.exchange.validation", .t08,
      #"(?<![\w.])[45]\.7\.320(?!\d)|Certificate validation failed"#, confidence: .low,
      matches: ["450 4.7.320 Certificate validation failed"]),
  ]

  static let nonTLS: [FailureRule] = [
    FailureRule(
      "nontls.greylisted", .nonTLS, #"gr[ae]y-?list"#,
      title: "Greylisting (not TLS)", action: .nobody,
      nextStep:
        "No action: the receiving server delays unknown senders (greylisting). The mail is "
        + "retried automatically and normally goes out within an hour.",
      matches: [
        "host mx.example.net[192.0.2.10] said: 450 4.2.0 <kai.quist@example.net>: Recipient address rejected: Greylisted, see http://postgrey.example.net/help/example.net.html (in reply to RCPT TO command)",
        "SMTP error from remote mail server after RCPT TO:<emil87@example.com>: 451 4.7.1 Greylisting in action, please come back later",
      ]),
    FailureRule(
      "nontls.mailbox-full", .nonTLS,
      #"(?<![\w.])[45]\.2\.2(?!\d)|quota|mailbox (?:is )?full|insufficient (?:system )?storage"#,
      title: "Mailbox full (not TLS)",
      action: .recipient,
      nextStep:
        "The recipient's mailbox is full. Tell the sender to reach the recipient another way; "
        + "the recipient must clean up their mailbox.",
      matches: [
        "host mail.ourmail.example.org[private/dovecot-lmtp] said: 452 4.2.2 <quinn.petrov@ourmail.example.org> Quota exceeded (mailbox for user is full) (in reply to end of DATA command)",
        "SMTP error from remote mail server after end of data: 552 5.2.2 <a@example.com>: Mailbox full",
      ]),
    FailureRule(
      "nontls.dns", .nonTLS,
      #"Host or domain name not found|Name service error|host lookup did not complete|Unrouteable address|unknown mail domain|(?<![\w.])[45]\.4\.312(?!\d)|DNS query failed|all host address lookups failed|(?<![\w.])[45]\.1\.2(?!\d)|null MX"#,
      title: "Domain not found (not TLS)",
      action: .sender,
      nextStep:
        "The recipient's domain was not found in DNS. Check the spelling of the address with "
        + "the sender; if it is right, the recipient's DNS is broken.",
      matches: [
        "Host or domain name not found. Name service error for name=mx.example.net type=A: Host not found",
        "Unrouteable address",
        "jim@trek99.example.net <jim@trek99.example.net>: unknown mail domain",
      ]),
    FailureRule(
      "nontls.recipient-unknown", .nonTLS,
      #"(?<![\w.])5\.1\.[0136](?!\d)|user unknown|unknown user|no such (?:user|person|mailbox|recipient)|(?:mailbox|account|address|user|recipient)[^.;]{0,40}does not exist|addressee unknown|mailbox unavailable|invalid recipient"#,
      title: "Recipient address unknown (not TLS)",
      action: .sender,
      nextStep:
        "The recipient's server says this mailbox does not exist. Ask the sender to check "
        + "the address for typos or get a current address.",
      matches: [
        "host mx.example.com[192.0.2.4] said: 550 5.1.1 <user2@example.com> User unknown (in reply to RCPT TO command)",
        "host mx.example.com[192.0.2.4] said: 550 5.5.0 Requested action not taken: mailbox unavailable. [AM7PR02MB1234.eurprd02.prod.outlook.com 2025-03-01T10:00:00.000Z 08DDEE20AE03E0F8] (in reply to RCPT TO command)",
        "No such person at this address.",
      ]),
    FailureRule(
      "nontls.authentication", .nonTLS,
      #"DMARC|\bSPF\b|DKIM|(?<![\w.])5\.7\.2[0-7](?!\d)"#,
      title: "SPF/DKIM/DMARC rejection (not TLS)", action: .us,
      nextStep:
        "The receiver refused the mail because SPF, DKIM or DMARC checks for our domain "
        + "failed. Escalate to our mail team (DNS records and signing of our domain).",
      matches: [
        "host mx.example.net[192.0.2.10] said: 550 5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy (in reply to end of DATA command)"
      ]),
    FailureRule(
      "nontls.blocklisted", .nonTLS,
      #"block ?list|black ?list|blocked using|\bRBL\b|\bDNSBL\b|spamhaus|senderscore|reputation|unsolicited|\bspam\b"#,
      title: "Block list or spam rejection (not TLS)",
      action: .us,
      nextStep:
        "The receiver treats our server as a spam source (block list or poor reputation). "
        + "Escalate to our mail team to check block lists and our sending reputation.",
      matches: [
        "host mx.example.net[192.0.2.10] said: 550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140). (in reply to MAIL FROM command)",
        "SMTP error from remote mail server after MAIL FROM:<a@example.org> SIZE=61337: 550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.example.org",
      ]),
    FailureRule(
      "nontls.rate-limited", .nonTLS,
      #"rate.?limit|too many (?:connections|messages|recipients|concurrent)|(?<![\w.])[45]\.7\.28(?!\d)|throttl"#,
      title: "Rate limited (not TLS)",
      action: .nobody,
      nextStep:
        "The receiver is slowing down how much we send; retries go on automatically. If it "
        + "lasts for a day, our mail team should look at our sending volume.",
      matches: [
        "host mx.example.net[192.0.2.10] said: 421 4.7.0 Too many connections from your IP, try again later (in reply to end of DATA command)"
      ]),
    FailureRule(
      "nontls.content", .nonTLS,
      #"message (?:size|too big|too large)|(?<![\w.])5\.3\.4(?!\d)|(?<![\w.])5\.2\.3(?!\d)|virus|content rejected"#,
      title: "Message refused for size or content (not TLS)",
      action: .sender,
      nextStep:
        "The message itself was refused (too large or its content). Tell the sender to send "
        + "it smaller or in another form.",
      matches: [
        "host mx.example.net[192.0.2.10] said: 552 5.3.4 Message size exceeds fixed limit (in reply to end of DATA command)"
      ]),
    FailureRule(
      "nontls.unreachable", .nonTLS,
      #"Connection (?:timed out|refused)|No route to host|Network is unreachable|(?<![\w.])4\.4\.1(?!\d)|(?<![\w.])[45]\.4\.31[56](?!\d)|Winsock error|Cannot establish session|defer \((?:101|110|111|113|146)\)|SMTP timeout|timed out while (?!receiving the STARTTLS)|lost connection with \S+ while (?!receiving the STARTTLS)|Remote host closed connection|refused to talk to me"#,
      title: "Server unreachable or connection lost (not TLS)",
      action: .either,
      nextStep:
        "The recipient's server could not be reached or stopped answering. Usually "
        + "temporary; if it lasts for a day, ask the recipient's IT whether their mail server "
        + "is up.",
      matches: [
        "connect to mx.example.net[192.0.2.10]:25: Connection timed out",
        "lost connection with mx.example.net[192.0.2.10] while sending message body",
        "defer (110): Connection timed out",
        "'450 4.4.317 Cannot establish session with remote server [Message=Failed to connect. Winsock error code: 995, Win32 error code: 995] [LastAttemptedServerName=198.51.100.85] [LastAttemptedIP=198.51.100.85:25] [SmtpSecurity=-2;-2] [BL02EPF00046C14.namprd07.prod.outlook.com 2026-07-07T15:48:53.514Z 08DED27250BC5691](Failed to connect. Winsock error code: 995, Win32 error code: 995)'",
      ],
      nonMatches: [
        "lost connection with mx.example.net[192.0.2.10] while receiving the STARTTLS response"
      ]),
    FailureRule(
      "nontls.expired", .nonTLS,
      #"retry timeout exceeded|retry time not (?:yet )?reached|message expired|queue expired|(?<![\w.])[45]\.4\.7(?!\d)"#,
      title: "Retry time exceeded (not TLS)",
      action: .either,
      nextStep:
        "Delivery was retried until the time limit ran out. Look at the earlier failures "
        + "of the same recipient for the real cause.",
      matches: [
        "b@known.example.com: retry timeout exceeded",
        "retry time not reached for any host for 'simple.example.org'",
      ]),
    FailureRule(
      "nontls.policy", .nonTLS,
      #"(?<![\w.])5\.7\.1(?!\d)|relay access denied|relay not permitted|unable to relay|TenantAttribution"#,
      title: "Refused by the receiver's policy (not TLS)",
      action: .either,
      nextStep:
        "The receiver's policy refused the mail; the example shows why. If it mentions "
        + "relaying or our server, ask our mail team; otherwise tell the sender.",
      matches: ["550 5.7.64 TenantAttribution; Relay Access Denied"]),
    FailureRule(
      "nontls.local-delivery", .nonTLS,
      #"\blmtp\b|dovecot|Child process of|mail forwarding loop|Temporary internal failure"#,
      title: "Local delivery failed (not TLS)",
      action: .us,
      nextStep:
        "Delivery inside our own system failed (mailbox server or delivery program). "
        + "Escalate to our mail team.",
      matches: [
        "Child process of dovecot_delivery transport returned 127 (could mean unable to exec or command does not exist) from command: /usr/local/libexec/dovecot/deliver",
        "mail forwarding loop for user30@example.com",
      ]),
  ]
}
