// Causes and fixes for the errors BITS users meet most, for `bits-job2 explain` and `doctor`. Data:
// one entry per code name, plus the HTTP status families for the BG_E_HTTP_ERROR_* codes without
// an entry of their own. The table's messages say what a code means; this says why it happens.
import { hresultName, toUnsigned } from './hresult.js';

export interface Advice {
  readonly causes: readonly string[];
  readonly fixes: readonly string[];
}

const ADVICE: Readonly<Record<string, Advice>> = {
  ERROR_NOT_LOGGED_ON: {
    causes: [
      'Windows BITS transfers a job only while its owner is logged on interactively. Scheduled tasks set to "Run whether user is logged on or not", services and service accounts, Run-As (runas) and PowerShell remoting (WinRM) or SSH sessions are not interactive logons, so their jobs wait or fail with this code.',
    ],
    fixes: [
      'Create the job from the user\'s own session: a Group Policy logon script, or a scheduled task set to "Run only when user is logged on".',
      'Jobs created by LocalSystem, LocalService or NetworkService run without a logon: create the job from a task running as SYSTEM if it need not belong to the user.',
      'From a remote session, register a scheduled task that runs in the user\'s session instead of calling BITS directly.',
      'The portable engine (Linux, macOS) does not have this rule: its per-user service runs the jobs; `bits-job2 service install` starts it at login, `loginctl enable-linger` without one.',
    ],
  },
  E_ACCESSDENIED: {
    causes: ['The job belongs to another user (only administrators see or change other users\' jobs).', 'The local file or its directory is not writable by the job\'s owner, or the state directory has other permissions.'],
    fixes: ['Act on your own jobs, or run as an administrator (root) for `list --all-users` and `take-ownership`.', 'Check the local path\'s permissions; `bits-job2 doctor` checks the state directory.'],
  },
  ERROR_INTERNET_NAME_NOT_RESOLVED: {
    causes: ['The server name in the URL does not resolve: a typo, a name only the company DNS or VPN knows, or a proxy that should do the lookup.'],
    fixes: ['Check the host (`getent hosts HOST`, `nslookup HOST`).', 'Behind a proxy, set it for the job (`set-proxy --usage OVERRIDE`) or in the service\'s environment (http_proxy/https_proxy, PRECONFIG).'],
  },
  ERROR_INTERNET_CANNOT_CONNECT: {
    causes: ['Nothing accepts connections at that host and port: the server is down, a firewall drops the port, or only a proxy may connect out.'],
    fixes: ['Try the URL with curl from the same machine and user.', 'Set a proxy if the network needs one; BITS retries on its own after the retry delay (TRANSIENT_ERROR).'],
  },
  ERROR_INTERNET_TIMEOUT: {
    causes: ['The server or proxy accepted the connection but did not answer in time.'],
    fixes: ['Transient: BITS retries after the retry delay. If it persists, check the server and any proxy in between.'],
  },
  ERROR_INTERNET_CONNECTION_RESET: {
    causes: ['The server, a proxy or a middlebox closed the connection mid-transfer.'],
    fixes: ['Transient: BITS resumes from what it has. Repeated resets at the same point point to a proxy or a server limit on request size or time.'],
  },
  ERROR_INTERNET_SECURE_FAILURE: {
    causes: ['The server\'s TLS certificate is not trusted: a private or corporate CA, a self-signed certificate, a name that does not match, an expired certificate, or a clock far off.'],
    fixes: ['Give the CA to the engine: BITS_JOB2_CA_FILE=/path/ca.pem in the service\'s environment (restart it with `bits-job2 service stop`).', 'Check the clock (`date`) and the name in the URL against the certificate.'],
  },
  BG_E_HTTP_ERROR_401: {
    causes: ['The server wants credentials, or refused the ones set (wrong password, or a scheme it does not offer: the message lists the ones it offered).'],
    fixes: ['`bits-job2 set-credentials JOB --target SERVER --scheme BASIC|DIGEST --user NAME --password-stdin`, then `bits-job2 resume JOB`.'],
  },
  BG_E_HTTP_ERROR_407: {
    causes: ['The proxy wants credentials, or refused the ones set.'],
    fixes: ['`bits-job2 set-credentials JOB --target PROXY --scheme BASIC|DIGEST --user NAME --password-stdin`, then `bits-job2 resume JOB`.'],
  },
  BG_E_HTTP_ERROR_403: {
    causes: ['The server understood the request and refuses it: no permission for that path, an IP allow-list, or (uploads) the BITS upload feature is not enabled for the directory.'],
    fixes: ['Ask the server\'s owner for access; for uploads check that the directory accepts BITS uploads (`bits-job2 serve`, IIS BITS extension).'],
  },
  BG_E_HTTP_ERROR_404: {
    causes: ['The remote file does not exist at that URL (a typo, a moved file), or (uploads) the upload directory does not exist on the server.'],
    fixes: ['Check the URL with curl -I. For uploads to `bits-job2 serve`, the URL\'s directory must exist under --root.', 'Fix the file (cancel the job and create it again with the right URL).'],
  },
  BG_E_NETWORK_DISCONNECTED: {
    causes: ['No network connection was available.'],
    fixes: ['BITS waits and goes on when the network comes back; nothing to do unless the machine should be online.'],
  },
  BG_E_NO_PROGRESS: {
    causes: ['Transient errors went on without any progress for the no-progress timeout (default 14 days).'],
    fixes: ['Fix the cause shown before it (`bits-job2 info JOB`), then `bits-job2 resume JOB`; `bits-job2 set JOB --no-progress-timeout S` changes the limit.'],
  },
  BG_E_INSUFFICIENT_RANGE_SUPPORT: {
    causes: ['The server does not answer Range requests correctly, which BITS needs to resume downloads.'],
    fixes: ['Use a server (or a setting) that supports byte ranges; nginx, Apache and IIS do for static files.'],
  },
  BG_E_MISSING_FILE_SIZE: {
    causes: ['The server did not give the file\'s size (no Content-Length, e.g. a dynamic page), which BITS needs.'],
    fixes: ['Download a static file, or have the server send Content-Length.'],
  },
  BG_E_SESSION_NOT_FOUND: {
    causes: ['The upload server no longer knows the upload session (restarted, expired, or another server of a farm answered).'],
    fixes: ['Resume the job: the client starts a new session. In a farm, use BITS-Host-Id affinity or a shared sessions directory.'],
  },
  BG_E_TOO_MANY_JOBS_PER_USER: {
    causes: ['The owner already has the maximum number of jobs in the queue (60 by default).'],
    fixes: ['Complete or cancel finished jobs (`bits-job2 list`); jobs in ERROR stay until someone acts on them.'],
  },
  ERROR_DISK_FULL: {
    causes: ['The disk of the local file (or of the state directory) is full.'],
    fixes: ['Free space and `bits-job2 resume JOB`: the job goes on from what it had.'],
  },
  BG_E_NOT_FOUND: {
    causes: ['No job with that id in your queue: a typo, another user\'s job, or a job already completed or cancelled.'],
    fixes: ['`bits-job2 list` shows your jobs (`--all-users` as an administrator).'],
  },
  BG_E_INVALID_STATE: {
    causes: ['The operation is not allowed in the job\'s current state (e.g. complete before TRANSFERRED, or a second complete).'],
    fixes: ['`bits-job2 info JOB` shows the state; `bits-job2 wait JOB` waits for TRANSFERRED.'],
  },
  REGDB_E_CLASSNOTREG: {
    causes: ['Windows BITS is not available here (not Windows, or the native bridge could not load).'],
    fixes: ['Off Windows use the portable engine: BITS_JOB2_BACKEND=service (the default) or portable.'],
  },
  CO_E_SERVER_EXEC_FAILURE: {
    causes: ['The per-user service could not start; the message says why (for example the SQLite add-on does not load into this Node).'],
    fixes: ['Follow the message; `bits-job2 doctor` checks the add-on, the state directory and the service.'],
  },
};

const FAMILIES: readonly { from: number; to: number; advice: Advice }[] = [
  { from: 400, to: 499, advice: { causes: ['The server refused the request (an HTTP client error): the URL, the method or the credentials are not what it accepts.'], fixes: ['Check the URL with curl; the job stays in ERROR until it is fixed and resumed, or cancelled.'] } },
  { from: 500, to: 599, advice: { causes: ['The server failed (an HTTP server error); some are transient (502, 503, 504 from a proxy or a busy server).'], fixes: ['BITS retries transient errors after the retry delay; if it stays, ask the server\'s owner (its log has the cause).'] } },
];

/** Causes and fixes for an HRESULT, or undefined when there is nothing more to say than its message. */
export function adviceFor(hr: number): Advice | undefined {
  const own = ADVICE[hresultName(hr)];
  if (own) return own;
  const u = toUnsigned(hr);
  if (((u & 0xffff0000) >>> 0) === 0x80190000) return FAMILIES.find((f) => (u & 0xffff) >= f.from && (u & 0xffff) <= f.to)?.advice;
  return undefined;
}

/** Names that have an entry of their own (a test checks each is in the HRESULT table). */
export const ADVISED_NAMES: readonly string[] = Object.keys(ADVICE);
