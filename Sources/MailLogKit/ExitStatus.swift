// ExitStatus.swift: the exit codes of mailtls, in one place (documented in README).
//
// 0 success; 1 a threshold was breached or a query matched nothing; 2 a mandatory-TLS
// partner received plaintext; 64 usage error (EX_USAGE); 65 bad data in a
// configuration file such as a partner list (EX_DATAERR); 66 an input could not be
// opened (EX_NOINPUT); 70 internal error (EX_SOFTWARE); 73 cannot create an output
// file (EX_CANTCREAT); 74 I/O error (EX_IOERR).

/// Process exit codes.
public enum ExitStatus: Int32 {
  case success = 0
  case thresholdOrNoMatch = 1
  case partnerViolation = 2
  case usage = 64
  case dataError = 65
  case noInput = 66
  case software = 70
  case cantCreate = 73
  case ioError = 74
}
