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
  problems: SipProblem[];
  /** Debug lines seen, and those the parser did not recognise (counted, never fatal). */
  lines: { total: number; unknown: number };
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
  | 'auth-loop'
  | 'private-address-in-sdp'
  | 'private-address-in-contact'
  | 'nat-not-rewritten'
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
