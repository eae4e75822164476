/** One firewall of the inventory, validated. Secrets are references, read only when connecting. */
export interface FirewallEntry {
  name: string;
  host: string;
  port: number;
  username: string;
  auth:
    | { type: 'password'; passwordEnv: string }
    | { type: 'privateKey'; privateKeyPath: string; passphraseEnv?: string };
  /** Pinned host keys: `SHA256:...` fingerprints and/or an OpenSSH known_hosts file. At least one. */
  hostKey: { fingerprints: string[]; knownHostsFile?: string };
  /** VDOM to check on a multi-VDOM unit; absent = every VDOM the admin may see (or root). */
  vdom?: string;
  /** Labels for fleet sweeps (`/sip-check tag=NAME`); empty when none. */
  tags?: string[];
  /** Who may run checks. Empty everywhere = nobody (deny by default). */
  allow: { users: string[]; userGroups: string[]; channels: string[] };
  /** `legacy` appends SHA-1 key exchanges for old FortiOS (SSH.md). */
  algorithms: 'default' | 'legacy';
  /**
   * Set only when the inventory allows approved changes on this firewall (`remediation:`): the separate write
   * account (its own credentials) and who may approve. Checks never use it.
   */
  remediation?: RemediationAccess;
  /** Built-in `fw-demo` entry of the console adapter (`demoInventoryEntry`); never set from an inventory file. */
  demo?: true;
}

export interface RemediationAccess {
  /** The write-capable admin account, distinct from `username` (the read-only account of checks). */
  username: string;
  auth: FirewallEntry['auth'];
  /** Who may approve a proposed change (never the proposer). At least one user or group. */
  approvers: { users: string[]; userGroups: string[] };
}

export interface Inventory {
  /** Where it was read from, for error messages. */
  source: string;
  firewalls: FirewallEntry[];
  /** Non-fatal findings at load time (entries usable by nobody, unset env vars, unreadable key files). */
  warnings?: string[];
}

/** Capture bounds and check limits, from the environment with safe defaults. */
export interface CheckLimits {
  defaultSeconds: number;
  maxSeconds: number;
  maxBytes: number;
  maxLines: number;
  defaultLevel: number;
  commandTimeoutMs: number;
  checkTimeoutMs: number;
  connectTimeoutMs: number;
  keepaliveMs: number;
  debugIm: boolean;
}
