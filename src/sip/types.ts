/** The `sip` part of `sip-check analyze --json` and of every report. Keep the shape stable (README documents it). */
export interface SipSummary {
  messages: number;
  requests: Record<string, number>;
  responses: Record<string, number>;
  retransmissions: number;
  calls: SipCallSummary[];
  registrations: SipRegistrationSummary[];
  /** OPTIONS keepalives, SUBSCRIBE/NOTIFY and other non-INVITE, non-REGISTER transactions, grouped by method. */
  otherTransactions: Array<{ method: string; count: number; unanswered: number }>;
  /**
   * How calls ended that is the callee's or caller's answer, not a fault: busy (486, 600), declined (603), not found
   * (404), cancelled (487). Grouped by method and code. 401/407 challenges are normal and listed nowhere.
   */
  outcomes?: SipOutcome[];
  /** What points at the network, NAT or the ALG (no final response, retransmissions, 408/480/5xx/488/606, NAT). */
  problems: SipProblem[];
  /** Debug lines seen, and those the parser did not recognise (counted, never fatal). */
  /** `filteredOut`: SIP records left out by the check's `peer=`/`port=` filter (only when one was given). */
  lines: { total: number; unknown: number; filteredOut?: number };
  /** Present when a memory cap was hit: calls seen but not kept (counted in `messages` still), problems not kept. */
  dropped?: { calls: number; problems: number };
}

export type SipCallState = 'setup' | 'ringing' | 'in-call' | 'completed' | 'cancelled' | 'busy' | 'rejected' | 'diverted' | 'no-answer';

export interface SipCallSummary {
  callId: string;
  from: string;
  to: string;
  state: SipCallState;
  finalStatus: number | null;
  finalReason?: string;
  startedAt?: string;
  /** INVITE → first 18x, INVITE → 200, in ms, when timestamps allow. */
  postDialDelayMs?: number;
  setupMs?: number;
  durationMs?: number;
  messages: number;
  /** SDP media per leg: `c=` address, `m=` port, codecs, direction. */
  media: Array<{ leg: string; address: string; port: number; codecs: string[]; direction?: string }>;
}

export interface SipOutcome {
  method: string;
  status: number;
  reason: string;
  count: number;
  /** Call-IDs of the first calls that ended so (a few, for finding them). */
  callIds: string[];
}

export interface SipRegistrationSummary {
  aor: string;
  contact?: string;
  expires?: number;
  /** e.g. `200`, `401→200`, `403`, `no answer`. */
  outcome: string;
  challenges: number;
}

export type SipProblemKind =
  | 'error-response'
  | 'no-final-response'
  | 'retransmission'
  /** A 200 OK to INVITE retransmitted with no ACK seen (RFC 3261 §13.3.1.4): the classic 30-second drop when a BYE follows. */
  | 'ack-not-received'
  /**
   * An ACK for the INVITE's 200 OK was seen, yet the callee kept retransmitting the 200 OK after it (RFC 3261
   * §13.3.1.4: a UAS stops once it has the ACK): the ACK reached the FortiGate but not the callee, typically the ALG or
   * NAT on the forward path. The classic 30-second drop again when a BYE follows about 32 s after the 200 OK.
   */
  | 'ack-not-forwarded'
  | 'auth-loop'
  | 'private-address-in-sdp'
  | 'private-address-in-contact'
  | 'nat-not-rewritten'
  /** From a public address with a private Contact or SDP address: the far end's NAT did not rewrite it. */
  | 'far-end-nat'
  | 'alg-blocked'
  | 'alg-parse-error';

export interface SipProblem {
  kind: SipProblemKind;
  /** One line a VoIP engineer reads. */
  message: string;
  callId?: string;
  /** Lines quoted from the capture. */
  evidence: string[];
}

/** One call drawn as a ladder (sngrep's call flow): lanes are `IP:port` endpoints, rows are messages in capture order. */
export interface SipLadder {
  callId: string;
  title: string;
  /**
   * IP:port, first-seen order. With source NAT seen, a phone is one lane (its inside address) and the FortiGate
   * (FIREWALL_LANE) is a lane between the inside and the outside ones.
   */
  endpoints: string[];
  rows: SipLadderRow[];
  /** Address translations seen in this call: the inside `IP:port` and the outside one the far end answered to. */
  nat?: Array<{ inside: string; outside: string }>;
  /** Identical calls drawn once (same parties, messages and outcome; times differ): how many, and their Call-IDs. */
  repeat?: { count: number; callIds: string[] };
}

/** The lane name of the FortiGate itself, drawn between inside and outside when a translation was seen. */
export const FIREWALL_LANE = 'FortiGate';

export interface SipLadderRow {
  /** Time of day from the console timestamp (`10:11:12`), when the capture has timestamps. */
  time?: string;
  /** Since the previous row of the same ladder. */
  deltaMs?: number;
  from: string;
  to: string;
  /** Method, or `code reason` for a response. */
  label: string;
  kind: 'request' | 'response';
  status?: number;
  retransmission: boolean;
  /** `ip:port codec` of the first media line, when the message carries SDP. */
  sdp?: string;
}
