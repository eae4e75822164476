/** An SSH endpoint of the inventory (a firewall or a jump host), validated. Secrets are references, read only when connecting. */
export interface SshHostEntry {
  name: string;
  host: string;
  port: number;
  username: string;
  auth:
    | { type: 'password'; passwordEnv: string }
    | { type: 'privateKey'; privateKeyPath: string; passphraseEnv?: string };
  /** Pinned host keys: `SHA256:...` fingerprints and/or an OpenSSH known_hosts file. At least one. */
  hostKey: { fingerprints: string[]; knownHostsFile?: string };
  /** `legacy` appends SHA-1 key exchanges for old FortiOS (docs/ssh.md). */
  algorithms: 'default' | 'legacy';
  /** `jump:` as written: the jump host (or firewall) this one is reached through. */
  jump?: string;
  /**
   * The hops to go through, outermost first (`via[0]` is dialled directly, each next hop through the one
   * before, the host itself through the last). Resolved from `jump:` at load time; absent = direct.
   */
  via?: SshHostEntry[];
}

/** A bastion of the inventory's `jump_hosts` section: only ever a hop, never checked. */
export type JumpHostEntry = SshHostEntry;

/** One firewall of the inventory, validated. */
export interface FirewallEntry extends SshHostEntry {
  /** VDOM to check on a multi-VDOM unit; absent = every VDOM the admin may see (or root). */
  vdom?: string;
  /** Labels for fleet sweeps (`/sip-check tag=NAME`); empty when none. */
  tags?: string[];
  /** Who may run checks. Empty everywhere = nobody (deny by default). */
  allow: { users: string[]; userGroups: string[]; channels: string[] };
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
  /** The `jump_hosts` section (bastions); firewalls reach them through `via`. */
  jumpHosts?: JumpHostEntry[];
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
