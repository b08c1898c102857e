// What the engine hands the HTTP layer (downloads, replies, BITS uploads) for one job: its proxy
// settings (spec §4.1 SetProxySettings) and its credentials (spec §3.7), decrypted in memory only
// for the duration of a transfer. The HTTP layer must never log, persist or echo a password.

export interface JobCredential {
  /** BG_AUTH_TARGET: 1 SERVER, 2 PROXY. */
  target: number;
  /** BG_AUTH_SCHEME: 1 BASIC, 2 DIGEST, 3 NTLM, 4 NEGOTIATE, 5 PASSPORT. */
  scheme: number;
  userName: string | null;
  password: string | null;
}

export interface JobProxySettings {
  /** BG_JOB_PROXY_USAGE: 0 PRECONFIG (environment), 1 NO_PROXY, 2 OVERRIDE, 3 AUTODETECT. */
  usage: number;
  proxyList: string | null;
  bypassList: string | null;
}

export interface TransportOptions {
  proxy: JobProxySettings;
  credentials: readonly JobCredential[];
  /** Environment for PRECONFIG (HTTP_PROXY, HTTPS_PROXY, NO_PROXY and lower-case forms); default process.env. */
  env?: NodeJS.ProcessEnv;
}
