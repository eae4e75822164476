import { hostOf, isNonRoutable, isPublic } from './address';
import { parseSipMessages, uriLabel, type SipMessage } from './message';
import { SipByteLineSplitter } from './lines';
import { SipDebugReader, type DebugEvent, type DebugMessageEvent } from './reader';
import { SipStreamJoiner } from './reassembly';
import { sdpMedia } from './sdp';
import { FIREWALL_LANE } from './types';
import { countOf } from '../plural';
import type {
  SipCallState,
  SipCallSummary,
  SipLadder,
  SipLadderRow,
  SipOutcome,
  SipProblem,
  SipProblemKind,
  SipRegistrationSummary,
  SipSummary,
} from './types';

/**
 * Debug lines → SIP messages → calls, registrations and other transactions → summary. Pure and streaming: no I/O,
 * no clock (times come from console timestamps), bounded memory (caps on everything kept; counters keep counting).
 *
 * Call states follow sngrep's INVITE state machine (irontec/sngrep src/sip_call.c, docs/sip.md), with `ringing`
 * for 180/183 and `no-answer` for an INVITE nobody answered in the window.
 */

export interface SipCaptureAnalyzerOptions {
  maxCallsTracked?: number;
  maxMessagesPerCall?: number;
  /**
   * `peer=` / `port=` of the check: keep only messages to or from this IPv4 address and/or port (either side of
   * the packet as the firewall logged it). Messages whose addresses the log did not give are left out too.
   */
  filter?: { peer?: string; port?: number };
  /**
   * Every SIP message rebuilt from the debug, in capture order, with the record it came from (the pcap writer's
   * feed). Messages left out by `filter` are not passed.
   */
  onMessage?: (message: CapturedSipMessage) => void;
}

/** One SIP message as rebuilt from the debug: what `onMessage` receives. */
export interface CapturedSipMessage {
  /** The debug record: endpoints, console timestamp, `sip port N`, whether the bytes are exact or cut. */
  record: DebugMessageEvent;
  message: SipMessage;
  /** This message's own text (a TCP read may carry several messages). */
  text: string;
  /** Same transaction, same direction as an earlier message (RFC 3261 §17). */
  retransmission: boolean;
}

/**
 * A request that arrived this close to the end of a live capture may simply not have been answered yet: it is
 * not reported as unanswered. 4 s is RFC 3261's T2 (by then a UDP request has been retransmitted three times).
 * Measured on the bot's clock (line arrival), since device timestamps say nothing about when the window closed.
 */
export const NO_ANSWER_GRACE_MS = 4000;

const MAX_REGISTRATIONS = 500;
const MAX_PROBLEMS = 300;
const MAX_EVIDENCE = 6;
const MAX_RETRANS_KEYS = 20000;
const MAX_PENDING_OTHER = 4096;
const MAX_METHOD_KEYS = 64;
const MAX_ENDPOINTS = 12;
const MAX_MEDIA_PER_CALL = 8;
const MAX_ENDPOINT_CACHE = 4096;
const AUTH_LOOP_THRESHOLD = 3;
/**
 * Final responses that are an answer, not a fault (issue 22 §3): busy (486, 600), declined (603), not found (404),
 * cancelled (487). 408, 480, 488, 5xx and 606 stay problems: they point at reachability, registration, media
 * negotiation (often an ALG rewriting SDP) or servers.
 */
const OUTCOME_STATUSES = new Set([404, 486, 487, 600, 603]);
const MAX_OUTCOME_KEYS = 64;
/** RFC 3261 §13.3.1.4: a UAS retransmits its 2xx until the ACK comes, for 64×T1 = 32 s (timer H's span), then ends the dialog. */
const ACK_WAIT_MS = 64 * 500;
/** How far from 32 s a BYE may come and still be the UAS giving up on the ACK (T1 differs, timers are coarse). */
const ACK_WAIT_SLACK_MS = 6000;
/**
 * When an ACK was seen and the 200 OK is still retransmitted after it, the ACK did not reach the callee, with room
 * for one retransmission that crossed the ACK in flight. RFC 3261 §13.3.1.4: the UAS retransmits its 2xx at T1, 2T1,
 * 4T1… (capped at T2) until the ACK arrives, and then stops. The FortiGate logs the ACK before the callee has it: a
 * retransmission the callee sent while the ACK was on its way (they cross on the callee's leg) is logged after the
 * ACK, one round trip at most (FortiGate → callee → FortiGate) after it. Retransmissions are at least T1 = 500 ms
 * apart, and T1 is RFC 3261's estimate of that round trip: at most one can cross. So it takes a second
 * retransmission after the ACK, or one logged more than 1 s (2×T1, twice the round trip allowed for) after it: the
 * callee sent it when the ACK had had time to arrive.
 */
const ACK_CROSSING_RETRANSMISSIONS = 1;
const ACK_CROSSING_MS = 2 * 500;
/** The 200 OK, the ACK, the last 200 OK retransmission after it, the BYE: each its address line and start line. */
const MAX_ACK_EVIDENCE = 8;
/** Dialog methods: their messages belong to the call of their Call-ID. */
const CALL_METHODS = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'PRACK', 'UPDATE', 'INFO', 'REFER']);

/**
 * A request waiting for its final response. Most get one: the evidence lines are only built at summary time, from
 * what this keeps (the message text stays alive either way: its start line and Call-ID are views into it).
 */
interface Pending {
  method: string;
  ev: DebugMessageEvent;
  startLine: string;
  callId?: string;
  arrivalMs?: number;
}

interface CallRecord {
  callId: string;
  /** Order of first appearance (the map order changes when eviction rotates calls). */
  seq: number;
  from: string;
  to: string;
  state: SipCallState;
  inviteSeq?: number;
  finalStatus: number | null;
  finalReason?: string;
  startedAt?: string;
  startMs?: number;
  /** Arrival (bot clock) of the INVITE that opened the call, live captures only. */
  startArrivalMs?: number;
  ringMs?: number;
  answerMs?: number;
  byeMs?: number;
  messages: number;
  rows: Array<SipLadderRow & { timeMs?: number }>;
  endpoints: string[];
  media: SipCallSummary['media'];
  pending: Map<string, Pending>;
  challengesInARow: number;
  retransmissions: number;
  retransLabels: Map<string, number>;
  retransEvidence: string[];
  problems: number;
  anyResponse: boolean;
  /**
   * The first 200 OK to the INVITE, its retransmissions, whether an ACK for it was seen, the first BYE after it. A
   * forked INVITE can be answered by several UASs, each 2xx with its own To tag (RFC 3261 §13.2.2.4): only this one's
   * dialog (`toTag`) counts here.
   */
  ok?: {
    ev: DebugMessageEvent;
    startLine: string;
    toTag?: string;
    timeMs?: number;
    retransmissions: number;
    evidence: string[];
    /** Retransmissions logged after the first ACK, on the first 200 OK's own leg (the record of the last, and ms after the ACK). */
    afterAck: number;
    lastAfterAck?: DebugMessageEvent;
    lastAfterAckMs?: number;
  };
  ackSeen: boolean;
  /** The first ACK for that 200 OK (one seen before any 200 OK is not kept). */
  ack?: { ev: DebugMessageEvent; startLine: string; timeMs?: number };
  /** That ACK sent again: the caller answers each 200 OK retransmission that reaches it (RFC 3261 §13.2.2.4). */
  ackRetransmissions: number;
  /** An ACK was logged on the 200 OK's own path reversed: from where the 200 OK went, to where it came from. */
  ackOnCalleeLeg: boolean;
  /** Request ends per transaction (`seq method`), to pair a response with its request (NAT lanes). Bounded. */
  requestEnds: Map<string, { src: string; dst: string }>;
  /** Outside `IP:port` → inside `IP:port` (source NAT seen in this call). */
  nat: Map<string, string>;
  bye?: { ev: DebugMessageEvent; startLine: string; timeMs?: number };
}

interface RegistrationRecord {
  aor: string;
  contact?: string;
  expires?: number;
  chain: number[];
  chainPending: boolean;
  challenges: number;
  challengesInARow: number;
  pending: Map<number, Pending>;
}

interface Aggregate {
  count: number;
  evidence: string[];
}

export class SipCaptureAnalyzer {
  private readonly maxCalls: number;
  private readonly maxRows: number;
  private readonly reader: SipDebugReader;

  private messages = 0;
  private readonly requests = new Map<string, number>();
  private readonly responses = new Map<string, number>();
  private retransmissions = 0;
  /** Keys of recent messages, for retransmission detection: the last MAX_RETRANS_KEYS/2 to MAX_RETRANS_KEYS. */
  private recentKeys = new KeyTable(MAX_RETRANS_KEYS / 2);
  private olderKeys = new KeyTable(MAX_RETRANS_KEYS / 2);
  private callSeq = 0;

  private readonly calls = new Map<string, CallRecord>();
  private callsNotTracked = 0;
  private readonly registrations = new Map<string, RegistrationRecord>();
  private readonly otherCounts = new Map<string, number>();
  private readonly otherPending = new Map<string, Pending>();
  private readonly otherRetrans = new Map<string, Aggregate>();
  private readonly otherErrors = new Map<string, Aggregate & { method: string; status: number; reason: string }>();

  private readonly problems: SipProblem[] = [];
  private readonly outcomes = new Map<string, SipOutcome>();
  private readonly problemKeys = new Set<string>();
  private problemsDropped = 0;
  private readonly algProblems = new Map<'alg-blocked' | 'alg-parse-error', Aggregate>();
  private readonly publicEndpoints = new Map<string, boolean>();
  /** Public hosts our LAN talks to (seen opposite a private host): what they send comes from the far end. */
  private readonly remotePeers = new Set<string>();
  private lastTimestamp = '';
  private lastTimeOfDay = '';

  private readonly filter: { peer?: string; port?: string } | undefined;
  private filteredOut = 0;
  /** Arrival time (bot clock) of the line being read, when the caller gives it (live captures). */
  private arrivalMs: number | undefined;
  /** End of the live capture (bot clock), from `summary({ endMs })`. */
  private endMs: number | undefined;

  constructor(opts: SipCaptureAnalyzerOptions = {}) {
    const f = opts.filter;
    this.filter = f && (f.peer !== undefined || f.port !== undefined) ? { peer: f.peer, port: f.port === undefined ? undefined : String(f.port) } : undefined;
    this.maxCalls = Math.max(1, opts.maxCallsTracked ?? 500);
    this.maxRows = Math.max(4, opts.maxMessagesPerCall ?? 100);
    this.reader = new SipDebugReader((e) => this.onEvent(e));
    this.joiner = new SipStreamJoiner((e) => this.onRecord(e));
    this.listener = opts.onMessage;
  }

  private readonly listener: ((message: CapturedSipMessage) => void) | undefined;
  private readonly joiner: SipStreamJoiner;
  /** Start and end of each message of the record being read, when a listener wants the text. */
  private readonly spans: number[] = [];

  /**
   * One console line (no line end); records split across lines are rejoined inside. `arrivalMs` (the bot's clock,
   * live captures only) lets `summary({ endMs })` tell requests left unanswered from requests cut by the window.
   */
  pushLine(line: string, arrivalMs?: number): void {
    this.arrivalMs = arrivalMs;
    this.reader.pushLine(line);
  }

  /**
   * Raw console bytes (an SSH channel's or a file's chunks, any size, cut anywhere): the same result as splitting
   * them with SipLineSplitter into `pushLine`, faster (the usual record line is read as bytes; see
   * SipDebugReader.pushLineBytes). `summary()` ends the input. Do not mix with `pushLine` in one capture.
   */
  pushBytes(chunk: Buffer, arrivalMs?: number): void {
    this.arrivalMs = arrivalMs;
    this.byteLines ??= new SipByteLineSplitter((buf, start, end) => this.reader.pushLineBytes(buf, start, end));
    this.byteLines.push(chunk);
  }

  private byteLines: SipByteLineSplitter | undefined;

  /** Characters examined so far (lines, rejoined records, decoded payloads): lets tests check linear work without clocks. */
  get workCount(): number {
    return this.reader.work;
  }

  // ---------------------------------------------------------------- events

  private onEvent(event: DebugEvent): void {
    if (event.type === 'alg-problem') {
      const agg = this.algProblems.get(event.kind) ?? { count: 0, evidence: [] };
      agg.count++;
      if (agg.evidence.length < MAX_EVIDENCE) agg.evidence.push(event.line);
      this.algProblems.set(event.kind, agg);
      return;
    }
    if (this.filter && !this.matchesFilter(event)) {
      this.filteredOut++;
      return;
    }
    this.joiner.push(event);
  }

  /** A record, or several joined (a message a stream transport delivered in several reads). */
  private onRecord(event: DebugMessageEvent): void {
    this.reader.work += event.payload.length;
    const spans = this.listener ? this.spans : undefined;
    if (spans) spans.length = 0;
    const parsed = parseSipMessages(event.payload, undefined, spans);
    if (parsed.length === 0) {
      this.reader.unknown++;
      return;
    }
    for (let i = 0; i < parsed.length; i++) this.onMessage(event, parsed[i], spans ? event.payload.slice(spans[2 * i], spans[2 * i + 1]) : undefined);
  }

  private matchesFilter(ev: DebugMessageEvent): boolean {
    const { peer, port } = this.filter!;
    const ends = [ev.src, ev.dst].filter((e): e is string => e !== undefined).map((e) => {
      const colon = e.lastIndexOf(':');
      return colon < 0 ? { ip: e, port: '' } : { ip: e.slice(0, colon), port: e.slice(colon + 1) };
    });
    return ends.some((e) => (peer === undefined || e.ip === peer) && (port === undefined || e.port === port));
  }

  /** Sent long enough before the end of the capture that silence means no answer (see NO_ANSWER_GRACE_MS). */
  private overdue(arrivalMs: number | undefined): boolean {
    if (arrivalMs === undefined || this.endMs === undefined) return true;
    return this.endMs - arrivalMs >= NO_ANSWER_GRACE_MS;
  }

  private onMessage(ev: DebugMessageEvent, msg: SipMessage, text: string | undefined): void {
    this.messages++;
    if (msg.kind === 'request') bump(this.requests, msg.method!);
    else bump(this.responses, String(msg.status));

    const callId = msg.callId ?? '';
    const cseqMethod = msg.cseq?.method ?? msg.method ?? '?';
    const what = msg.kind === 'request' ? msg.method! : String(msg.status);
    // RFC 3261 §17: a retransmission repeats the transaction (branch, CSeq) and the message, in the same direction.
    // Kept as two 30-bit hashes (small integers: no per-message string or heap object survives); a false match
    // needs both to collide.
    const seq = msg.cseq?.seq;
    // A response to an INVITE, and an ACK, also by the To tag: the 2xx of two forks share the transaction but are two
    // dialogs (RFC 3261 §13.2.2.4), not one sent twice, and so are their ACKs (an older UA may reuse one branch for
    // both). Parsed for those only: the To header is lazy.
    const toTag = (msg.kind === 'response' && cseqMethod === 'INVITE') || msg.method === 'ACK' ? (msg.to?.tag ?? '') : '';
    hashKey(callId, seq === undefined ? '' : String(seq), cseqMethod, what, msg.viaBranch ?? msg.via?.branch ?? '', ev.src ?? '', ev.dst ?? '', toTag);
    const h1 = keyHash1;
    const h2 = keyHash2;
    const retransmission = this.recentKeys.get(h1) === h2 || this.olderKeys.get(h1) === h2;
    if (text !== undefined) this.listener!({ record: ev, message: msg, text, retransmission });
    if (retransmission) this.retransmissions++;
    else {
      // Two generations instead of evicting the oldest key one by one (O(1), no iterator over deleted slots).
      if (this.recentKeys.size >= MAX_RETRANS_KEYS / 2) {
        const spare = this.olderKeys;
        this.olderKeys = this.recentKeys;
        this.recentKeys = spare;
        spare.clear();
      }
      this.recentKeys.set(h1, h2);
    }

    if (!retransmission) this.checkNat(ev, msg);

    let call = this.calls.get(callId);
    if (!call && msg.kind === 'request' && msg.method === 'INVITE' && callId) call = this.newCall(callId, msg);
    if (call) {
      this.onCallMessage(call, ev, msg, retransmission);
      return;
    }
    if (CALL_METHODS.has(cseqMethod)) {
      // A dialog we do not track (cap reached, or begun before the capture): counted, errors still reported.
      if (msg.kind === 'response' && OUTCOME_STATUSES.has(msg.status!) && !retransmission) this.addOutcome(cseqMethod, msg, callId);
      else if (msg.kind === 'response' && msg.status! >= 400 && msg.status !== 401 && msg.status !== 407 && !retransmission) {
        this.addProblem('error-response', `${cseqMethod} answered ${msg.status} ${msg.reason ?? ''}`.trim(), callId, this.evidence(ev, msg), `${callId}|${msg.status}`);
      }
      return;
    }
    if (cseqMethod === 'REGISTER') this.onRegister(ev, msg, retransmission);
    else this.onOther(ev, msg, cseqMethod, retransmission);
  }

  // ---------------------------------------------------------------- calls

  private newCall(callId: string, msg: SipMessage): CallRecord | undefined {
    if (this.calls.size >= this.maxCalls && !this.evictOneCall()) {
      this.callsNotTracked++;
      return undefined;
    }
    const call: CallRecord = {
      callId,
      // Always present (undefined in a file capture): one object shape for every call, no spread per call.
      startArrivalMs: this.arrivalMs,
      seq: this.callSeq++,
      from: uriLabel(msg.from),
      to: uriLabel(msg.to),
      state: 'setup',
      finalStatus: null,
      messages: 0,
      rows: [],
      endpoints: [],
      media: [],
      pending: new Map(),
      challengesInARow: 0,
      retransmissions: 0,
      retransLabels: new Map(),
      retransEvidence: [],
      problems: 0,
      anyResponse: false,
      ackSeen: false,
      ackRetransmissions: 0,
      ackOnCalleeLeg: false,
      requestEnds: new Map(),
      nat: new Map(),
    };
    this.calls.set(callId, call);
    return call;
  }

  /**
   * Frees the oldest finished call without problems (those stay: they are what the summary is for). Calls that
   * cannot go are moved to the back, so the scan does not walk over the same ones again and again.
   */
  private evictOneCall(): boolean {
    let scanned = 0;
    for (const [id, c] of this.calls) {
      if (++scanned > 64) break;
      const finished = c.state !== 'setup' && c.state !== 'ringing' && c.state !== 'in-call';
      this.calls.delete(id);
      if (finished && c.problems === 0 && c.retransmissions === 0 && c.pending.size === 0) {
        this.callsNotTracked++;
        return true;
      }
      this.calls.set(id, c);
    }
    return false;
  }

  private onCallMessage(call: CallRecord, ev: DebugMessageEvent, msg: SipMessage, retransmission: boolean): void {
    call.messages++;
    const src = ev.src ?? '?';
    const dst = ev.dst ?? '?';
    if (!call.endpoints.includes(src) && call.endpoints.length < MAX_ENDPOINTS) call.endpoints.push(src);
    if (!call.endpoints.includes(dst) && call.endpoints.length < MAX_ENDPOINTS) call.endpoints.push(dst);
    const label = msg.kind === 'request' ? msg.method! : `${msg.status} ${msg.reason ?? ''}`.trim();

    let sdp: string | undefined;
    if (msg.body && !retransmission && (msg.contentType?.includes('sdp') || msg.body.startsWith('v='))) {
      const media = sdpMedia(msg.body);
      for (const m of media) {
        if (call.media.length >= MAX_MEDIA_PER_CALL) break;
        const entry: SipCallSummary['media'][number] = { leg: `${label} ${src}→${dst}`, address: m.address, port: m.port, codecs: m.codecs };
        if (m.direction) entry.direction = m.direction;
        // A re-sent offer (after a 401/407 challenge) repeats the same media: keep one.
        const same = call.media.some((x) => x.leg === entry.leg && x.address === entry.address && x.port === entry.port && x.codecs.join() === entry.codecs.join());
        if (!same) call.media.push(entry);
      }
      if (media[0]) sdp = `${media[0].address}:${media[0].port} ${media[0].codecs[0] ?? ''}`.trim();
    }
    if (call.rows.length < this.maxRows) {
      const row: SipLadderRow & { timeMs?: number } = { from: src, to: dst, label, kind: msg.kind, retransmission };
      if (ev.timestamp) row.time = this.timeOfDay(ev.timestamp);
      if (ev.timeMs !== undefined) row.timeMs = ev.timeMs;
      if (msg.status !== undefined) row.status = msg.status;
      if (sdp) row.sdp = sdp;
      call.rows.push(row);
    }
    if (retransmission) {
      const ok = call.ok;
      if (ok && msg.kind === 'response' && msg.status! >= 200 && msg.status! < 300 && msg.cseq?.method === 'INVITE' && msg.cseq.seq === call.inviteSeq && sameDialog(ok.toTag, msg)) {
        ok.retransmissions++;
        if (ok.evidence.length < 3) ok.evidence.push(...this.evidence(ev, msg).slice(0, 1));
        // Its own leg only: a log that also shows the forwarded copy must not count one retransmission twice.
        if (call.ack && ev.src === ok.ev.src && ev.dst === ok.ev.dst) {
          ok.afterAck++;
          ok.lastAfterAck = ev;
          if (ev.timeMs !== undefined && call.ack.timeMs !== undefined) ok.lastAfterAckMs = ev.timeMs - call.ack.timeMs;
        }
      } else if (call.ack && msg.kind === 'request' && msg.method === 'ACK' && msg.cseq?.seq === call.inviteSeq && sameDialog(ok?.toTag, msg)) {
        call.ackRetransmissions++;
      }
      call.retransmissions++;
      call.retransLabels.set(label, (call.retransLabels.get(label) ?? 0) + 1);
      if (call.retransEvidence.length < 3) call.retransEvidence.push(...this.evidence(ev, msg).slice(0, 2));
      return;
    }

    const t = ev.timeMs;
    const seq = msg.cseq?.seq;
    const cseqMethod = msg.cseq?.method ?? msg.method ?? '?';
    if (msg.kind === 'request') {
      const method = msg.method!;
      if (ev.src && ev.dst && call.requestEnds.size < 16) call.requestEnds.set(`${seq} ${method}`, { src: ev.src, dst: ev.dst });
      if (method !== 'ACK') call.pending.set(`${seq} ${method}`, pendingOf(method, ev, msg, this.arrivalMs));
      else if (seq === call.inviteSeq && call.ok && sameDialog(call.ok.toTag, msg)) {
        // The ACK of the first 2xx. An ACK before any 2xx acknowledges a non-2xx final response (a 401/407
        // challenge, a fork's 486: RFC 3261 §17.1.1.3) and says nothing of the 2xx that may follow.
        const ok = call.ok;
        call.ackSeen = true;
        call.ack ??= { ev, startLine: msg.startLine, timeMs: t };
        if (ok.ev.src !== undefined && ok.ev.dst !== undefined && ev.src === ok.ev.dst && ev.dst === ok.ev.src) call.ackOnCalleeLeg = true;
      }
      // A BYE ends the call when it ends the first 2xx's dialog: a forked INVITE's other dialogs are hung up apart.
      const endsCall = method === 'BYE' && byeInDialog(call.ok?.toTag, msg);
      if (endsCall && call.ok && !call.bye) call.bye = { ev, startLine: msg.startLine, timeMs: t };
      if (method === 'INVITE') {
        if (call.state !== 'in-call') {
          call.state = 'setup';
          call.inviteSeq = seq;
        }
        if (call.startMs === undefined && call.startedAt === undefined) {
          call.startedAt = ev.timestamp;
          call.startMs = t;
        }
      } else if (method === 'CANCEL' && (call.state === 'setup' || call.state === 'ringing')) {
        call.state = 'cancelled';
      } else if (endsCall && call.state === 'in-call') {
        call.state = 'completed';
        call.byeMs ??= t;
      }
      return;
    }

    const status = msg.status!;
    call.anyResponse = true;
    this.noteNat(call, ev, `${seq} ${cseqMethod}`);
    if (status >= 200) call.pending.delete(`${seq} ${cseqMethod}`);
    const setupPhase = call.state === 'setup' || call.state === 'ringing';
    if (cseqMethod === 'INVITE') {
      if (status === 180 || status === 183) {
        if (call.state === 'setup') call.state = 'ringing';
        if (call.ringMs === undefined && t !== undefined) call.ringMs = t;
      } else if (status === 181) {
        if (setupPhase) call.state = 'diverted';
      } else if (status >= 200) {
        // A 2xx to the INVITE answers the call even after another fork's refusal (a 486 from one phone while another
        // still rang) or a 181: the call is up.
        const answersRefused = status < 300 && seq === call.inviteSeq && (call.state === 'busy' || call.state === 'rejected' || call.state === 'diverted');
        if (setupPhase || answersRefused || call.finalStatus === null) {
          call.finalStatus = status;
          call.finalReason = msg.reason;
        }
        if (status < 300) {
          call.challengesInARow = 0;
          if (!call.ok && seq === call.inviteSeq) call.ok = { ev, startLine: msg.startLine, toTag: msg.to?.tag, timeMs: t, retransmissions: 0, evidence: this.evidence(ev, msg).slice(0, 2), afterAck: 0 };
          if (setupPhase || answersRefused) call.state = 'in-call';
          if (call.answerMs === undefined && t !== undefined) call.answerMs = t;
        } else if (setupPhase) {
          if (status === 301 || status === 302) call.state = 'diverted';
          else if (status === 480 || status === 486 || status === 600) call.state = 'busy';
          else call.state = 'rejected';
        }
      }
    }
    if (status === 401 || status === 407) {
      call.challengesInARow++;
      if (call.challengesInARow === AUTH_LOOP_THRESHOLD) {
        this.addCallProblem(call, 'auth-loop', `${cseqMethod} ${call.from} → ${call.to} challenged ${AUTH_LOOP_THRESHOLD} times in a row (${status}): credentials refused?`, this.evidence(ev, msg), `auth|${call.callId}`);
      }
    } else if (OUTCOME_STATUSES.has(status)) {
      this.addOutcome(cseqMethod, msg, call.callId);
    } else if (status >= 400) {
      this.addCallProblem(call, 'error-response', `${cseqMethod} ${call.from} → ${call.to} answered ${status} ${msg.reason ?? ''}`.trim(), this.evidence(ev, msg, ['reason', 'warning']), `${call.callId}|${cseqMethod}|${status}`);
    }
  }

  /**
   * Source NAT as the ALG logs it: it reads a request on the inside leg (`10.10.20.16:5060 -> provider`) and the
   * answer on the outside leg (`provider -> 203.0.113.2:65478`), so one phone shows as two parties. A response whose
   * far end is its request's but whose near end differs, private on one side and public on the other, names the
   * translation (either direction: an inbound request to the public address answered from the inside one).
   */
  private noteNat(call: CallRecord, ev: DebugMessageEvent, key: string): void {
    const req = call.requestEnds.get(key);
    if (!req || !ev.src || !ev.dst || call.nat.size >= 4) return;
    if (req.dst === ev.src && req.src !== ev.dst && isNonRoutable(hostOf(req.src)) && isPublic(hostOf(ev.dst))) call.nat.set(ev.dst, req.src);
    else if (req.src === ev.dst && req.dst !== ev.src && isPublic(hostOf(req.dst)) && isNonRoutable(hostOf(ev.src))) call.nat.set(req.dst, ev.src);
  }

  /** Counts a final response that is an outcome (busy, declined, not found, cancelled), grouped by method and code. */
  private addOutcome(method: string, msg: SipMessage, callId: string): void {
    const key = `${method} ${msg.status}`;
    let o = this.outcomes.get(key);
    if (!o) {
      if (this.outcomes.size >= MAX_OUTCOME_KEYS) return;
      o = { method, status: msg.status!, reason: msg.reason ?? '', count: 0, callIds: [] };
      this.outcomes.set(key, o);
    }
    o.count++;
    if (callId && o.callIds.length < 5 && !o.callIds.includes(callId)) o.callIds.push(callId);
  }

  /**
   * The 2xx to an INVITE was retransmitted and no ACK came back (RFC 3261 §13.3.1.4): the ACK is lost on its way,
   * usually sent to a Contact or Record-Route address NAT or the ALG got wrong. A BYE about 32 s (64×T1) after the
   * 200 OK is the UAS giving up: the classic 30-second call drop.
   */
  private ackProblem(call: CallRecord): SipProblem | undefined {
    const ok = call.ok;
    if (!ok || call.ackSeen || ok.retransmissions === 0) return undefined;
    const evidence = [...ok.evidence];
    const wait = call.bye && call.bye.timeMs !== undefined && ok.timeMs !== undefined ? call.bye.timeMs - ok.timeMs : undefined;
    const dropped = wait !== undefined && Math.abs(wait - ACK_WAIT_MS) <= ACK_WAIT_SLACK_MS;
    if (call.bye) evidence.push(...evidenceLines(call.bye.ev, call.bye.startLine, undefined));
    const base = `INVITE ${call.from} → ${call.to}: the 200 OK was sent ${ok.retransmissions + 1} times (${ok.retransmissions} retransmission${ok.retransmissions > 1 ? 's' : ''}) and no ACK was seen`;
    const message = dropped
      ? `${base}; BYE ${(wait! / 1000).toFixed(1)} s after the first 200 OK (64×T1 = 32 s, RFC 3261 §13.3.1.4): the ACK did not arrive: the classic 30-second call drop. Check where the ACK is sent (the 200 OK's Contact and Record-Route) and that NAT or the ALG lets it through.`
      : `${base}: the ACK did not arrive${call.bye ? '' : ' (the call drops about 32 s after the 200 OK when it never does)'}. Check where the ACK is sent (the 200 OK's Contact and Record-Route) and that NAT or the ALG lets it through.`;
    return { kind: 'ack-not-received', message, callId: call.callId, evidence: evidence.slice(0, MAX_EVIDENCE) };
  }

  /**
   * An ACK for the 200 OK was seen, yet the 200 OK kept being retransmitted after it (past the crossing allowance,
   * ACK_CROSSING_RETRANSMISSIONS / ACK_CROSSING_MS): the ACK reached the FortiGate but not the callee. The addresses
   * say where the ACK was seen: on the caller's leg only (the forward path, the ALG's or NAT's doing), on the callee's
   * leg too (lost beyond the firewall, or not matched by the callee), or, without addresses, nothing more.
   */
  private ackForwardProblem(call: CallRecord): SipProblem | undefined {
    const ok = call.ok;
    const ack = call.ack;
    if (!ok || !ack || !this.ackNotTaken(call)) return undefined;
    const caller = ack.ev.src;
    const callee = ok.ev.src;
    const towards = ok.ev.dst;
    const last = ok.lastAfterAckMs !== undefined ? ` (the last ${seconds(ok.lastAfterAckMs)} s after it)` : '';
    let message = `INVITE ${call.from} → ${call.to}: an ACK came from ${caller ?? 'the caller'} but the 200 OK was still retransmitted ${times(ok.afterAck)} after it${last}: the ACK did not reach the callee (forwarded by the ALG/NAT?). A UAS retransmits its 2xx until it has the ACK (RFC 3261 §13.3.1.4).`;
    let check = ` Check what the ALG/NAT does with the ACK on its way to ${callee ?? 'the callee'} (where it is sent: the 200 OK's Contact and Record-Route, rewritten?) and that the policy lets it through.`;
    if (caller === undefined || ack.ev.dst === undefined || callee === undefined || towards === undefined) {
      message += ' The debug gives no addresses that would tell on which leg the ACK was seen.';
    } else if (call.ackOnCalleeLeg && call.nat.size === 0 && !(isNonRoutable(hostOf(ack.ev.dst)) && !isNonRoutable(hostOf(caller)))) {
      // Routed, no translation in sight (no source NAT in the call, and the ACK is not from a public address to a
      // private one, which only a VIP's DNAT makes): both legs carry the same addresses, and the debug logs a message
      // once, as it reads it.
      message += ` The ACK was logged going to the callee (${ack.ev.src} -> ${ack.ev.dst}); with no NAT seen in this call both legs carry the same addresses, so the debug cannot tell whether the FortiGate forwarded it or it was lost beyond.`;
    } else if (call.ackOnCalleeLeg) {
      message += ` The debug shows an ACK on the callee's leg too (${towards} -> ${callee}, the 200 OK's path reversed): it was lost after the FortiGate, or the callee does not match it to its 200 OK.`;
      check = " Check the ACK's Request-URI and Route against the 200 OK's Contact and Record-Route, and the path from the FortiGate to the callee.";
    } else {
      const nat = call.nat.get(towards) === caller ? `, the FortiGate's NAT of ${caller},` : '';
      message += ` The debug shows the ACK on the caller's leg (sip port ${ack.ev.port}, ${caller} -> ${ack.ev.dst}) and none on the callee's leg (sip port ${ok.ev.port}) from ${towards}${nat} to ${callee}.`;
    }
    if (call.ackRetransmissions > 0) message += ` The caller re-sent its ACK ${times(call.ackRetransmissions)}, so the 200 OK retransmissions do reach it.`;
    const wait = call.bye && call.bye.timeMs !== undefined && ok.timeMs !== undefined ? call.bye.timeMs - ok.timeMs : undefined;
    if (wait !== undefined && Math.abs(wait - ACK_WAIT_MS) <= ACK_WAIT_SLACK_MS) {
      message += ` BYE ${seconds(wait)} s after the first 200 OK (64×T1 = 32 s): the classic 30-second call drop.`;
    } else if (!call.bye) {
      message += ' The callee ends the call about 32 s after its first 200 OK when the ACK never reaches it.';
    }
    const evidence = [...ok.evidence.slice(0, 2), ...evidenceLines(ack.ev, ack.startLine, undefined)];
    if (ok.lastAfterAck) evidence.push(...evidenceLines(ok.lastAfterAck, ok.startLine, undefined));
    if (call.bye) evidence.push(...evidenceLines(call.bye.ev, call.bye.startLine, undefined));
    return { kind: 'ack-not-forwarded', message: message + check, callId: call.callId, evidence: evidence.slice(0, MAX_ACK_EVIDENCE) };
  }

  /** The rule of ACK_CROSSING_MS: the 200 OK retransmitted after the ACK more than a crossing explains. */
  private ackNotTaken(call: CallRecord): boolean {
    const ok = call.ok;
    if (!ok || !call.ack) return false;
    return ok.afterAck > ACK_CROSSING_RETRANSMISSIONS || (ok.afterAck > 0 && ok.lastAfterAckMs !== undefined && ok.lastAfterAckMs > ACK_CROSSING_MS);
  }

  /**
   * Retransmissions of this call a problem already explains, left out of its `retransmission` problem: the 200 OK's
   * for a lost ACK; the 200 OK's and the caller's re-sent ACKs for an ACK not forwarded; and one 200 OK retransmission
   * that crossed the ACK (within the allowance), with the ACK the caller re-sent for it: a normal call. Still counted
   * in `retransmissions` and drawn in the ladder.
   */
  private explainedRetransmissions(call: CallRecord, ack: SipProblem | undefined): number {
    const ok = call.ok;
    if (!ok) return 0;
    if (ack?.kind === 'ack-not-received') return ok.retransmissions;
    if (ack?.kind === 'ack-not-forwarded') return ok.retransmissions + call.ackRetransmissions;
    if (call.ack && ok.afterAck > 0) return ok.afterAck + Math.min(call.ackRetransmissions, ok.afterAck);
    return 0;
  }

  private addCallProblem(call: CallRecord, kind: SipProblemKind, message: string, evidence: string[], key: string): void {
    if (this.addProblem(kind, message, call.callId, evidence, key)) call.problems++;
  }

  // ---------------------------------------------------------------- registrations

  private onRegister(ev: DebugMessageEvent, msg: SipMessage, retransmission: boolean): void {
    if (retransmission) {
      this.aggregate(this.otherRetrans, 'REGISTER', this.evidence(ev, msg).slice(0, 2));
      return;
    }
    const aor = uriLabel(msg.to);
    let reg = this.registrations.get(aor);
    if (!reg) {
      if (this.registrations.size >= MAX_REGISTRATIONS) return;
      reg = { aor, chain: [], chainPending: false, challenges: 0, challengesInARow: 0, pending: new Map() };
      this.registrations.set(aor, reg);
    }
    const seq = msg.cseq?.seq ?? -1;
    if (msg.kind === 'request') {
      const last = reg.chain[reg.chain.length - 1];
      // A new attempt chain starts unless we are answering a challenge.
      if (last !== 401 && last !== 407) reg.chain = [];
      reg.chainPending = true;
      if (msg.contact?.uri) reg.contact = uriLabel(msg.contact) + (msg.contact.uri.port ? `:${msg.contact.uri.port}` : '');
      const expires = msg.contact?.expires ?? msg.expires;
      if (expires !== undefined) reg.expires = expires;
      if (reg.pending.size < 64) reg.pending.set(seq, pendingOf('REGISTER', ev, msg, this.arrivalMs));
      return;
    }
    const status = msg.status!;
    if (status < 200) return;
    reg.pending.delete(seq);
    reg.chainPending = false;
    if (reg.chain.length >= 6) reg.chain.shift();
    reg.chain.push(status);
    if (status < 300) {
      reg.challengesInARow = 0;
      const expires = msg.contact?.expires ?? msg.expires;
      if (expires !== undefined) reg.expires = expires;
    } else if (status === 401 || status === 407) {
      reg.challenges++;
      reg.challengesInARow++;
      if (reg.challengesInARow === AUTH_LOOP_THRESHOLD) {
        this.addProblem('auth-loop', `REGISTER ${aor} challenged ${AUTH_LOOP_THRESHOLD} times in a row (${status}): credentials refused?`, msg.callId, this.evidence(ev, msg), `auth|reg|${aor}`);
      }
    } else {
      this.addProblem('error-response', `REGISTER ${aor} answered ${status} ${msg.reason ?? ''}`.trim(), msg.callId, this.evidence(ev, msg, ['reason', 'warning']), `reg|${aor}|${status}`);
    }
  }

  // ---------------------------------------------------------------- other transactions

  private onOther(ev: DebugMessageEvent, msg: SipMessage, method: string, retransmission: boolean): void {
    if (retransmission) {
      this.aggregate(this.otherRetrans, method, this.evidence(ev, msg).slice(0, 2));
      return;
    }
    const key = `${msg.callId ?? ''}|${msg.cseq?.seq ?? ''}|${method}`;
    if (msg.kind === 'request') {
      if (this.otherCounts.size < MAX_METHOD_KEYS || this.otherCounts.has(method)) bump(this.otherCounts, method);
      if (this.otherPending.size >= MAX_PENDING_OTHER) this.otherPending.delete(this.otherPending.keys().next().value!);
      this.otherPending.set(key, pendingOf(method, ev, msg, this.arrivalMs));
      return;
    }
    const status = msg.status!;
    if (status >= 200) this.otherPending.delete(key);
    if (status >= 400) {
      const aggKey = `${method} ${status}`;
      const agg = this.otherErrors.get(aggKey) ?? { count: 0, evidence: [], method, status, reason: msg.reason ?? '' };
      agg.count++;
      if (agg.evidence.length < 3) agg.evidence.push(...this.evidence(ev, msg).slice(0, 3));
      if (this.otherErrors.size < MAX_METHOD_KEYS || this.otherErrors.has(aggKey)) this.otherErrors.set(aggKey, agg);
    }
  }

  // ---------------------------------------------------------------- NAT

  /**
   * On the public side (source and destination both public), SDP `c=`, Contact and the top Via must hold public
   * addresses: the ALG rewrites them (Fortinet 6.0 handbook, "How the SIP ALG translates IP addresses in the SIP
   * body"). A private one there means NAT was not applied: the classic one-way-audio sign (docs/sip.md).
   */
  private checkNat(ev: DebugMessageEvent, msg: SipMessage): void {
    if (!ev.src || !ev.dst) return;
    const srcPublic = this.publicEndpoint(ev.src);
    const dstPublic = this.publicEndpoint(ev.dst);
    if (!srcPublic) {
      // The LAN leg (a private host talking to a public one): that public host is a far-end peer.
      if (dstPublic && isNonRoutable(hostOf(ev.src))) this.rememberRemotePeer(hostOf(ev.dst));
      return;
    }
    const srcHost = hostOf(ev.src);
    // Arriving from a public address: at a private host (after the VIP's DNAT), or from a peer our LAN talks to.
    if ((!dstPublic && isNonRoutable(hostOf(ev.dst))) || (dstPublic && this.remotePeers.has(srcHost))) {
      this.checkFarEndNat(ev, msg, srcHost);
      return;
    }
    if (!dstPublic) return;
    const callId = msg.callId;
    const label = msg.kind === 'request' ? msg.method! : String(msg.status);
    // Responses never look at the Via: it is parsed for requests only.
    const viaHost = msg.kind === 'request' ? msg.via?.host : undefined;
    let headerFlagged = false;
    if (viaHost && viaHost !== srcHost && isNonRoutable(viaHost)) {
      headerFlagged = true;
      this.addProblemForCall('nat-not-rewritten', `${label} from ${ev.src} has Via ${viaHost} (private) on the public side: NAT not applied to SIP headers`, callId, this.evidence(ev, msg, ['via', 'contact']), `nat|${callId}|${viaHost}`);
    }
    const contactHost = msg.contact?.uri?.host;
    if (!headerFlagged && contactHost && isNonRoutable(contactHost)) {
      this.addProblemForCall('private-address-in-contact', `${label} ${ev.src} → ${ev.dst} has Contact ${contactHost} (private) on the public side`, callId, this.evidence(ev, msg, ['contact']), `contact|${callId}|${contactHost}`);
    }
    if (msg.body && hasNonRoutableConnection(msg.body)) {
      for (const m of sdpMedia(msg.body)) {
        if (m.address && isNonRoutable(m.address)) {
          const cLine = msg.body.split(/\r?\n/).find((l) => l.startsWith('c=') && l.includes(m.address));
          const evidence = this.evidence(ev, msg);
          if (cLine) evidence.push('  ' + cLine.slice(0, 120));
          this.addProblemForCall('private-address-in-sdp', `${label} ${ev.src} → ${ev.dst} offers media at ${m.address}:${m.port} (private) on the public side: expect one-way or no audio`, callId, evidence, `sdp|${callId}|${m.address}`);
          break;
        }
      }
    }
  }

  /**
   * A message that arrives from a public address but names a private media address (`c=`, media-level wins) or
   * Contact host that is not the packet's source: the far end sits behind a NAT that did not rewrite its SIP/SDP
   * (docs/sip.md "NAT and one-way audio"). Media sent to that address goes nowhere. The ALG's NAT-trace `i=`
   * line is not a `c=` line and is never read here.
   */
  private checkFarEndNat(ev: DebugMessageEvent, msg: SipMessage, srcHost: string): void {
    const callId = msg.callId;
    const label = msg.kind === 'request' ? msg.method! : `${msg.status}${msg.reason ? ' ' + msg.reason : ''}`;
    const found: string[] = [];
    const contactHost = msg.contact?.uri?.host;
    const privateContact = contactHost !== undefined && contactHost !== srcHost && isNonRoutable(contactHost);
    if (privateContact) found.push(`Contact ${contactHost}`);
    let cLine: string | undefined;
    if (msg.body && hasNonRoutableConnection(msg.body)) {
      for (const m of sdpMedia(msg.body)) {
        if (!m.address || m.address === srcHost || !isNonRoutable(m.address)) continue;
        found.push(`SDP media ${m.address}:${m.port}`);
        cLine = msg.body.split(/\r?\n/).find((l) => l.startsWith('c=') && l.includes(m.address));
        break;
      }
    }
    if (!found.length) return;
    // Built only for a problem (this runs for every message from a public address). Compact form `m:` is the same
    // header; the quote shows the line as written.
    const evidence = this.evidence(ev, msg, privateContact ? ['contact', 'm'] : []);
    if (cLine) evidence.push('  ' + cLine.slice(0, 120));
    this.addProblemForCall(
      'far-end-nat',
      `${label} arrives from ${ev.src} (public) but gives ${found.join(' and ')} (private): the far end is behind a NAT that did not rewrite its SIP/SDP, so audio sent there is lost (one-way or no audio). Fix it on the far end's side (its NAT/SIP ALG, STUN, or an SBC with a public media address).`,
      callId,
      evidence,
      `far-end|${callId}|${found.join('|')}`,
    );
  }

  private rememberRemotePeer(host: string): void {
    if (this.remotePeers.has(host)) return;
    if (this.remotePeers.size >= MAX_ENDPOINT_CACHE) this.remotePeers.clear();
    this.remotePeers.add(host);
  }

  /** Rows of a call share few timestamps: the last one is remembered. */
  private timeOfDay(timestamp: string): string {
    if (timestamp !== this.lastTimestamp) {
      this.lastTimestamp = timestamp;
      this.lastTimeOfDay = timeOfDay(timestamp);
    }
    return this.lastTimeOfDay;
  }

  /** Whether an `IP:port` has a public IP. The reader hands out one string per endpoint: cached (bounded). */
  private publicEndpoint(endpoint: string): boolean {
    let known = this.publicEndpoints.get(endpoint);
    if (known === undefined) {
      if (this.publicEndpoints.size >= MAX_ENDPOINT_CACHE) this.publicEndpoints.clear();
      known = isPublic(hostOf(endpoint));
      this.publicEndpoints.set(endpoint, known);
    }
    return known;
  }

  private addProblemForCall(kind: SipProblemKind, message: string, callId: string | undefined, evidence: string[], key: string): void {
    const call = callId ? this.calls.get(callId) : undefined;
    if (this.addProblem(kind, message, callId, evidence, key) && call) call.problems++;
  }

  // ---------------------------------------------------------------- problems

  private addProblem(kind: SipProblemKind, message: string, callId: string | undefined, evidence: string[], key: string): boolean {
    const fullKey = `${kind}|${key}`;
    if (this.problemKeys.has(fullKey)) return false;
    if (this.problems.length >= MAX_PROBLEMS) {
      this.problemsDropped++;
      return false;
    }
    this.problemKeys.add(fullKey);
    const p: SipProblem = { kind, message, evidence: evidence.slice(0, MAX_EVIDENCE) };
    if (callId) p.callId = callId;
    this.problems.push(p);
    return true;
  }

  private aggregate(map: Map<string, Aggregate>, key: string, evidence: string[]): void {
    let agg = map.get(key);
    if (!agg) {
      if (map.size >= MAX_METHOD_KEYS) return;
      agg = { count: 0, evidence: [] };
      map.set(key, agg);
    }
    agg.count++;
    if (agg.evidence.length < 4) agg.evidence.push(...evidence);
  }

  /** Quoted evidence: the `sip port N A -> B` line as captured, the start line, and the named headers as written. */
  private evidence(ev: DebugMessageEvent, msg: SipMessage, headers: string[] = []): string[] {
    const out = evidenceLines(ev, msg.startLine, msg.callId);
    for (const h of headers) {
      const line = msg.headerLines.find((l) => l.slice(0, l.indexOf(':')).trim().toLowerCase() === h);
      if (line) out.push('  ' + line.slice(0, 160));
    }
    return out;
  }

  // ---------------------------------------------------------------- output

  /** Ends any record still open (a capture cut mid-record), then summarises. Call at the end of the capture. */
  summary(opts: { endMs?: number } = {}): SipSummary {
    this.endMs = opts.endMs;
    this.byteLines?.end();
    this.reader.flush();
    this.joiner.flush();
    const problems: SipProblem[] = [...this.problems];
    const pendingProblems: SipProblem[] = [];

    for (const call of this.calls.values()) {
      for (const p of call.pending.values()) {
        if (!this.overdue(p.arrivalMs)) continue;
        pendingProblems.push({ kind: 'no-final-response', message: `${p.method} ${call.from} → ${call.to}: no final response in the capture window`, callId: call.callId, evidence: pendingEvidence(p) });
      }
      const ack = this.ackProblem(call) ?? this.ackForwardProblem(call);
      if (ack) pendingProblems.push(ack);
      // The 200 OK's retransmissions are the ACK problem's evidence: not listed again, unless others were seen too.
      if (call.retransmissions > this.explainedRetransmissions(call, ack)) {
        const what = [...call.retransLabels].map(([l, n]) => `${l} ×${n}`).join(', ');
        pendingProblems.push({ kind: 'retransmission', message: `${call.from} → ${call.to}: ${countOf(call.retransmissions, 'retransmission')}: ${what}`, callId: call.callId, evidence: call.retransEvidence.slice(0, MAX_EVIDENCE) });
      }
    }
    for (const reg of this.registrations.values()) {
      for (const p of reg.pending.values()) {
        if (!this.overdue(p.arrivalMs)) continue;
        pendingProblems.push({ kind: 'no-final-response', message: `REGISTER ${reg.aor}: no final response in the capture window`, evidence: pendingEvidence(p) });
      }
    }
    const otherUnanswered = new Map<string, Aggregate>();
    for (const p of this.otherPending.values()) {
      if (!this.overdue(p.arrivalMs)) continue;
      const agg = otherUnanswered.get(p.method) ?? { count: 0, evidence: [] };
      agg.count++;
      if (agg.evidence.length < 4) agg.evidence.push(...pendingEvidence(p).slice(0, 3));
      otherUnanswered.set(p.method, agg);
    }
    for (const [method, agg] of otherUnanswered) {
      pendingProblems.push({ kind: 'no-final-response', message: `${agg.count} ${method} without a final response in the capture window`, evidence: agg.evidence.slice(0, MAX_EVIDENCE) });
    }
    for (const [method, agg] of this.otherRetrans) {
      pendingProblems.push({ kind: 'retransmission', message: `${method}: ${countOf(agg.count, 'retransmission')}`, evidence: agg.evidence.slice(0, MAX_EVIDENCE) });
    }
    for (const agg of this.otherErrors.values()) {
      pendingProblems.push({ kind: 'error-response', message: `${agg.method} answered ${agg.status} ${agg.reason}`.trim() + (agg.count > 1 ? ` ×${agg.count}` : ''), evidence: agg.evidence.slice(0, MAX_EVIDENCE) });
    }
    for (const [kind, agg] of this.algProblems) {
      const what = kind === 'alg-blocked' ? 'SIP ALG blocked or dropped a message' : 'SIP ALG could not parse a message';
      pendingProblems.push({ kind, message: `${what} (${agg.count} line${agg.count > 1 ? 's' : ''})`, evidence: agg.evidence.slice(0, MAX_EVIDENCE) });
    }

    const all = [...problems, ...pendingProblems].sort((a, b) => PROBLEM_RANK[a.kind] - PROBLEM_RANK[b.kind]);
    const problemCalls = new Set(all.map((p) => p.callId).filter((id): id is string => id !== undefined));

    const calls = [...this.calls.values()]
      .map((c) => ({ c, index: c.seq, bad: problemCalls.has(c.callId) }))
      .sort((a, b) => Number(b.bad) - Number(a.bad) || a.index - b.index)
      .map(({ c }) => this.callSummary(c));

    const registrations: SipRegistrationSummary[] = [...this.registrations.values()].map((r) => {
      let outcome = r.chain.join('→');
      if (r.chainPending) outcome = outcome ? `${outcome}→no answer` : 'no answer';
      const s: SipRegistrationSummary = { aor: r.aor, outcome, challenges: r.challenges };
      if (r.contact) s.contact = r.contact;
      if (r.expires !== undefined) s.expires = r.expires;
      return s;
    });

    const otherTransactions = [...this.otherCounts].map(([method, count]) => ({ method, count, unanswered: otherUnanswered.get(method)?.count ?? 0 }));
    const summary: SipSummary = {
      messages: this.messages,
      requests: Object.fromEntries(this.requests),
      responses: Object.fromEntries(this.responses),
      retransmissions: this.retransmissions,
      calls,
      registrations,
      otherTransactions,
      outcomes: [...this.outcomes.values()].sort((a, b) => b.count - a.count || a.status - b.status),
      problems: all,
      lines: { total: this.reader.total, unknown: this.reader.unknown, ...(this.filter ? { filteredOut: this.filteredOut } : {}) },
    };
    if (this.callsNotTracked > 0 || this.problemsDropped > 0) summary.dropped = { calls: this.callsNotTracked, problems: this.problemsDropped };
    return summary;
  }

  private callSummary(c: CallRecord): SipCallSummary {
    let state = c.state;
    // An INVITE nobody answered at all (not even 100 Trying), sent long enough before the end of the window.
    if (state === 'setup' && !c.anyResponse && this.overdue(c.startArrivalMs)) state = 'no-answer';
    const s: SipCallSummary = { callId: c.callId, from: c.from, to: c.to, state, finalStatus: c.finalStatus, messages: c.messages, media: c.media };
    if (c.finalReason !== undefined) s.finalReason = c.finalReason;
    if (c.startedAt) s.startedAt = c.startedAt;
    if (c.startMs !== undefined) {
      if (c.ringMs !== undefined) s.postDialDelayMs = c.ringMs - c.startMs;
      if (c.answerMs !== undefined) s.setupMs = c.answerMs - c.startMs;
    }
    if (c.answerMs !== undefined && c.byeMs !== undefined) s.durationMs = c.byeMs - c.answerMs;
    return s;
  }

  /**
   * The most relevant calls as ladders: calls with problems first, then those with the most messages. Identical
   * calls (same parties, messages and outcome) are drawn once with their count; a phone behind source NAT is one
   * lane, with the FortiGate drawn between the inside and the outside lanes.
   */
  ladders(maxCalls = 3): SipLadder[] {
    const summary = this.summary();
    const bad = new Set(summary.problems.map((p) => p.callId));
    const byCallId = new Map(summary.calls.map((c) => [c.callId, c]));
    const groups = new Map<string, { first: CallRecord; ladder: SipLadder; callIds: string[] }>();
    for (const c of this.calls.values()) {
      const call = byCallId.get(c.callId);
      if (!call) continue;
      const ladder = ladderOf(c, call);
      // Times differ between identical calls; what they say and between whom does not. Problem calls stay apart.
      const shape = bad.has(c.callId) ? `bad|${c.callId}` : ladderShape(ladder);
      const group = groups.get(shape);
      if (group) group.callIds.push(c.callId);
      else groups.set(shape, { first: c, ladder, callIds: [c.callId] });
    }
    const chosen = [...groups.values()]
      .sort((a, b) => Number(bad.has(b.first.callId)) - Number(bad.has(a.first.callId)) || b.first.messages - a.first.messages || b.callIds.length - a.callIds.length || a.first.seq - b.first.seq)
      .slice(0, Math.max(0, maxCalls));
    return chosen.map(({ ladder, callIds }) => {
      if (callIds.length < 2) return ladder;
      return { ...ladder, title: `${ladder.title} ×${callIds.length}`, repeat: { count: callIds.length, callIds: callIds.slice(0, 20) } };
    });
  }
}

/** One call's ladder: NAT folded (outside address → the inside lane), the FortiGate lane between inside and outside. */
function ladderOf(c: CallRecord, call: SipCallSummary): SipLadder {
  const lane = (e: string) => c.nat.get(e) ?? e;
  let prev: number | undefined;
  const rows: SipLadderRow[] = c.rows.map(({ timeMs, ...row }) => {
    const out: SipLadderRow = { ...row, from: lane(row.from), to: lane(row.to) };
    if (timeMs !== undefined && prev !== undefined) out.deltaMs = timeMs - prev;
    if (timeMs !== undefined) prev = timeMs;
    return out;
  });
  const final = call.finalStatus !== null ? ` ${call.finalStatus}${call.finalReason ? ' ' + call.finalReason : ''}` : '';
  const ladder: SipLadder = { callId: c.callId, title: `${c.from} → ${c.to} · ${call.state}${final}`, endpoints: [...new Set(c.endpoints.map(lane))], rows };
  if (c.nat.size) {
    const inside = ladder.endpoints.filter((e) => isNonRoutable(hostOf(e)));
    const outside = ladder.endpoints.filter((e) => !isNonRoutable(hostOf(e)));
    ladder.endpoints = [...inside, FIREWALL_LANE, ...outside];
    ladder.nat = [...c.nat].map(([outsideEnd, insideEnd]) => ({ inside: insideEnd, outside: outsideEnd }));
  }
  return ladder;
}

/** What makes two ladders the same drawing: lanes, rows (without times) and title. */
function ladderShape(l: SipLadder): string {
  const rows = l.rows.map((r) => `${r.from}>${r.to}|${r.label}|${r.retransmission ? 'r' : ''}|${r.sdp ? 's' : ''}`).join(';');
  return `${l.title}#${l.endpoints.join(',')}#${(l.nat ?? []).map((n) => n.inside + '=' + n.outside).join(',')}#${rows}`;
}

/**
 * The order problems are listed in: what breaks calls first. A rank per kind (a Record, so a new kind without a
 * place here does not compile; `far-end-nat` once sorted before everything through a missing list entry).
 */
const PROBLEM_RANK: Record<SipProblemKind, number> = {
  'ack-not-received': 0,
  'ack-not-forwarded': 1,
  'alg-blocked': 2,
  'alg-parse-error': 3,
  'private-address-in-sdp': 4,
  'nat-not-rewritten': 5,
  'private-address-in-contact': 6,
  'far-end-nat': 7,
  'auth-loop': 8,
  'error-response': 9,
  'no-final-response': 10,
  retransmission: 11,
};

/**
 * A Map<number, number> for one generation of retransmission keys (h1 → h2), as two typed arrays with linear
 * probing: the lookup runs for every message and a 10 000-entry Map was a tenth of the analyzer's time.
 */
class KeyTable {
  size = 0;
  private readonly mask: number;
  private readonly shift: number;
  /** h1 + 1 (0: empty slot; h1 is at most 2^30 - 1). */
  private readonly keys: Int32Array;
  private readonly values: Int32Array;

  constructor(maxEntries: number) {
    let bits = 4;
    while (1 << bits < maxEntries * 1.6) bits++;
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    this.keys = new Int32Array(1 << bits);
    this.values = new Int32Array(1 << bits);
  }

  private slot(h1: number): number {
    const key = h1 + 1;
    let i = Math.imul(h1, 0x9e3779b1) >>> this.shift;
    while (this.keys[i] !== 0 && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  get(h1: number): number | undefined {
    const i = this.slot(h1);
    return this.keys[i] === 0 ? undefined : this.values[i];
  }

  set(h1: number, h2: number): void {
    const i = this.slot(h1);
    if (this.keys[i] === 0) {
      this.keys[i] = h1 + 1;
      this.size++;
    }
    this.values[i] = h2;
  }

  clear(): void {
    this.keys.fill(0);
    this.size = 0;
  }
}

/** The two hashes of the last `hashKey` call (module state: no array or object per message). */
let keyHash1 = 0;
let keyHash2 = 0;
let hashState1 = 0;
let hashState2 = 0;

/**
 * Two FNV-1a-style hashes over the parts (each followed by a separator), in one pass, folded to 30 bits so V8 keeps
 * them as small integers.
 */
function hashKey(a: string, b: string, c: string, d: string, e: string, f: string, g: string, h: string): void {
  hashState1 = 0x811c9dc5 | 0;
  hashState2 = 0x5bd1e995 | 0;
  hashPart(a);
  hashPart(b);
  hashPart(c);
  hashPart(d);
  hashPart(e);
  hashPart(f);
  hashPart(g);
  hashPart(h);
  keyHash1 = (hashState1 >>> 2) & 0x3fffffff;
  keyHash2 = (hashState2 >>> 2) & 0x3fffffff;
}

/** A message of the dialog whose To tag is `tag` (either tag unknown: it may be). */
function sameDialog(tag: string | undefined, msg: SipMessage): boolean {
  if (tag === undefined) return true;
  const other = msg.to?.tag;
  return other === undefined || other === tag;
}

/**
 * A BYE of the dialog whose remote (callee) tag is `tag`: that tag is the BYE's To tag when the caller hangs up, its
 * From tag when the callee does (a tag missing from either header: it may be).
 */
function byeInDialog(tag: string | undefined, msg: SipMessage): boolean {
  if (tag === undefined) return true;
  const to = msg.to?.tag;
  const from = msg.from?.tag;
  if (to === undefined || from === undefined) return true;
  return to === tag || from === tag;
}

function hashPart(part: string): void {
  let h1 = hashState1;
  let h2 = hashState2;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x0100019d);
  }
  hashState1 = Math.imul(h1 ^ 0x7c, 0x01000193);
  hashState2 = Math.imul(h2 ^ 0x7c, 0x0100019d);
}

function pendingOf(method: string, ev: DebugMessageEvent, msg: SipMessage, arrivalMs: number | undefined): Pending {
  const p: Pending = { method, ev, startLine: msg.startLine };
  if (msg.callId !== undefined) p.callId = msg.callId;
  if (arrivalMs !== undefined) p.arrivalMs = arrivalMs;
  return p;
}

function pendingEvidence(p: Pending): string[] {
  return evidenceLines(p.ev, p.startLine, p.callId);
}

/** The `sip port N A -> B` line as captured (rebuilt from its parts: the reader matched it exactly), the start line, the Call-ID. */
function evidenceLines(ev: DebugMessageEvent, startLine: string, callId: string | undefined): string[] {
  const out: string[] = [];
  const ts = ev.timestamp ? ev.timestamp + ' ' : '';
  if (ev.src !== undefined && ev.dst !== undefined) out.push(`${ev.addressTimestamp ? ev.addressTimestamp + ' ' : ''}sip port ${ev.port} ${ev.src} -> ${ev.dst}`);
  else out.push(`${ts}sip port ${ev.port} ${ev.io}`);
  out.push('  ' + startLine.slice(0, 160));
  if (callId) out.push('  Call-ID: ' + callId.slice(0, 100));
  return out;
}

/** Cheap pre-check before a full SDP parse: any `c=IN IP4` line with a non-routable address. */
function hasNonRoutableConnection(body: string): boolean {
  let i = body.indexOf('c=IN IP4 ');
  while (i >= 0) {
    let end = i + 9;
    while (end < body.length && end < i + 25 && body.charCodeAt(end) > 32 && body[end] !== '/') end++;
    if (isNonRoutable(body.slice(i + 9, end))) return true;
    i = body.indexOf('c=IN IP4 ', end);
  }
  return false;
}

function bump(map: Map<string, number>, key: string): void {
  const k = map.size >= MAX_METHOD_KEYS && !map.has(key) ? 'OTHER' : key;
  map.set(k, (map.get(k) ?? 0) + 1);
}

/** `once`, `2 times`. */
function times(n: number): string {
  return n === 1 ? 'once' : countOf(n, 'time');
}

/** Milliseconds as seconds with one decimal (`32.0`). */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function timeOfDay(timestamp: string): string {
  const space = timestamp.search(/[ T]/);
  return space >= 0 ? timestamp.slice(space + 1) : timestamp;
}
