/**
 * HTTP mode: what Bolt's receiver does not refuse. Bolt checks the signature and refuses a timestamp more than
 * five minutes in the past, but accepts one dated in the future (six minutes, a day), and runs the same signed
 * request as often as it is posted. Slack's rule is "more than five minutes off" in either direction (replay).
 *
 * In front of the receiver's request listener, for POSTs to the events endpoint: the signature is verified (Bolt's
 * own `isValidSlackRequest`, constant time), the timestamp must lie within ±300 s of now, and a signature seen in
 * the last five minutes is refused. Seen signatures live in this process, or in Redis (SIP_CHECK_REDIS_URL) so a
 * request replayed to another replica is refused too. The body is buffered once; Bolt reuses the buffer.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HTTPModuleFunctions, isValidSlackRequest, type Logger } from '@slack/bolt';

/** Slack's replay window, both ways. */
export const SLACK_TIMESTAMP_WINDOW_S = 300;

/** Signatures already accepted, for the replay window. `claim` is atomic: true only for the first caller. */
export interface SeenSignatures {
  claim(signature: string, ttlMs: number): Promise<boolean>;
}

/** One process's memory of recent signatures (expired ones pruned as new ones arrive). */
export class MemorySeenSignatures implements SeenSignatures {
  private readonly seen = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  async claim(signature: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    for (const [sig, until] of this.seen) {
      if (until > now) break; // insertion order is expiry order: the rest are younger
      this.seen.delete(sig);
    }
    if ((this.seen.get(signature) ?? 0) > now) return false;
    this.seen.set(signature, now + ttlMs);
    return true;
  }
}

export interface RequestGuardOptions {
  signingSecret: string;
  seen: SeenSignatures;
  logger: Logger;
  /** Milliseconds. */
  clock?: () => number;
}

/** The refusal reason of a request, or null when it may go on to Bolt. */
async function refusal(req: IncomingMessage, opts: RequestGuardOptions): Promise<{ status: number; why: string } | null> {
  const buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, HTTPModuleFunctions.defaultBodyLimit);
  const body = buffered.rawBody.toString();
  // Slack's ssl_check carries no signature; Bolt answers it and strips anything else from it.
  if (req.headers['content-type'] === 'application/x-www-form-urlencoded' && new URLSearchParams(body).get('ssl_check') === '1') return null;
  const signature = req.headers['x-slack-signature'];
  const timestamp = req.headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^[0-9]{1,12}$/.test(timestamp)) return { status: 401, why: 'no signature or timestamp' };
  const now = (opts.clock ?? Date.now)();
  const skew = Math.abs(Math.floor(now / 1000) - Number(timestamp));
  if (skew > SLACK_TIMESTAMP_WINDOW_S) return { status: 401, why: `timestamp ${skew} s off (more than ${SLACK_TIMESTAMP_WINDOW_S} s)` };
  if (!isValidSlackRequest({ signingSecret: opts.signingSecret, body, headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) }, nowMilliseconds: now })) {
    return { status: 401, why: 'signature mismatch' };
  }
  let first: boolean;
  try {
    first = await opts.seen.claim(signature, SLACK_TIMESTAMP_WINDOW_S * 1000);
  } catch (e) {
    // Fail closed: without the shared memory a replay could run on this replica.
    return { status: 503, why: `seen signatures unavailable (${e instanceof Error ? e.message : String(e)})` };
  }
  return first ? null : { status: 401, why: 'replay: this signature was already accepted in the last 5 minutes' };
}

/**
 * Wraps a receiver's request listener with the window and replay checks above. Every POST is checked, whatever its
 * path: Bolt normalises the path before routing (`/slack/./events`, `/x/../slack/events` and an absolute-form
 * request line all reach its events handler), so matching one path here would let those skip the checks. Nothing
 * else is posted to this port (the ops routes are GET).
 */
export function guardSlackRequests(inner: RequestListener, opts: RequestGuardOptions): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      inner(req, res);
      return;
    }
    refusal(req, opts).then(
      (refused) => {
        if (!refused) {
          inner(req, res);
          return;
        }
        opts.logger.warn(`sip-check: refused a Slack request: ${refused.why}`);
        res.writeHead(refused.status).end();
      },
      (e: unknown) => {
        // The body could not be read (too large, aborted).
        const tooLarge = HTTPModuleFunctions.isRawBodyError(e) && (e as { statusCode?: number }).statusCode === 413;
        opts.logger.warn(`sip-check: refused a Slack request: body unreadable (${e instanceof Error ? e.message : String(e)})`);
        if (!res.headersSent) res.writeHead(tooLarge ? 413 : 400).end();
      },
    );
  };
}
