/**
 * A local fake of the Slack Web API (docs/slack.md "Testing without Slack"), in the spirit of opsdroid's
 * fake API server and @slack/socket-mode's integration suite: a real `node:http` server on 127.0.0.1:0 that
 * records every call, answers like Slack, enforces Slack's message limits and injects faults per method.
 *
 * Point Bolt at it with `clientOptions.slackApiUrl = fake.apiUrl`.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RecordedCall {
  /** Web API method (`chat.postMessage`), `upload` for the byte POST, `respond` for a response_url post. */
  method: string;
  token?: string;
  /** Decoded body: form fields (JSON-looking values parsed) or a JSON body. */
  body: Record<string, unknown>;
  /** What the fake answered (`ok`, `error`). */
  ok: boolean;
  error?: string;
  /** Refused by the channel's posting pace (not an injected fault). */
  paced?: boolean;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  threadTs?: string;
  /** Every `chat.update` applied, oldest first. */
  edits: Array<{ text?: string; blocks?: unknown[] }>;
  /** Posted by the fake's own helper `addUserMessage` (e.g. an incident message a user wrote). */
  byUser?: string;
}

export interface UploadedFile {
  fileId: string;
  filename: string;
  length: number;
  bytes: Buffer;
  /** `alt_txt` as sent to `files.getUploadURLExternal` (its documented name). */
  altText?: string;
  channelId?: string;
  threadTs?: string;
  title?: string;
  initialComment?: string;
  completed: boolean;
}

/**
 * Slack's posting pace per channel (docs.slack.dev/apis/web-api/rate-limits: `chat.postMessage` "generally allows
 * posting one message per second per channel", "short bursts >1 allowed"; beyond, HTTP 429 with `Retry-After`).
 * The fake models it as a token bucket of `burst` posts refilled one per `intervalMs`, counted on arrival.
 */
export interface FakePacing {
  intervalMs: number;
  burst: number;
}

/** Slack's documented one per second; a burst of 3 (Slack gives no number). */
export const SLACK_PACING: FakePacing = { intervalMs: 1000, burst: 3 };

/**
 * A fast pace for tests: the same rule, ten times quicker (still slower than loopback posts arrive, so a burst is
 * seen as one). Give the bot the same (its ChannelQueue).
 */
export const TEST_PACING: FakePacing = { intervalMs: 100, burst: 3 };

/** What the fake counts as a post in a channel: a message lands in its history. */
const PACED_METHODS: ReadonlySet<string> = new Set(['chat.postMessage', 'files.completeUploadExternal']);

/** A message text a person would read wrong (notifications and screen readers read the fallback `text`). */
export interface TextProblem {
  method: string;
  problem: string;
  text: string;
}

export interface EphemeralResponse {
  via: 'respond' | 'chat.postEphemeral';
  text?: string;
  blocks?: unknown[];
  user?: string;
  channel?: string;
  threadTs?: string;
  responseType?: string;
}

export type Fault =
  /** `{ ok: false, error }` with HTTP 200, as Slack answers platform errors. */
  | { kind: 'error'; error: string; times?: number }
  /** HTTP 429 with `Retry-After` seconds. */
  | { kind: 'rate-limited'; retryAfter: number; times?: number }
  /** HTTP 5xx (or any status) with an HTML-ish body. */
  | { kind: 'http'; status: number; times?: number }
  /** Answer normally, but only after a delay. */
  | { kind: 'slow'; delayMs: number; times?: number }
  /** `respond` only: the response_url has expired (HTTP 404 `expired_url`). */
  | { kind: 'expired'; times?: number }
  /** `files.info` only: the share never lands (`shares` stays empty). */
  | { kind: 'never-shared'; times?: number };

/** Slack's documented limits (docs/slack.md "Size limits"); the fake answers violations with Slack's error codes. */
export const FAKE_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  fields: 10,
  fieldText: 2000,
  actionsElements: 25,
  /** Undocumented: `msg_blocks_too_long` was seen at ~11,300-13,000 chars (bolt-js #2509, #2867). */
  totalBlockText: 11_300,
  /** Hard truncation in Slack; the fake refuses instead so tests notice. */
  messageText: 40_000,
} as const;

/** Headers of a request signed like Slack's (HMAC-SHA256 of `v0:ts:body`). */
export function signSlackRequest(secret: string, body: string, timestamp: number): Record<string, string> {
  const signature = 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp) };
}

export interface FakeSocketServer {
  url: string;
  /** Frames received from the app (envelope acks), parsed. */
  received: unknown[];
  send(frame: unknown): void;
  /** Resolves when the app has connected (and received `hello`). */
  connected: Promise<void>;
  /** Resolves with the next frame the app sends that satisfies `match`. */
  nextFrame(match: (frame: unknown) => boolean): Promise<unknown>;
  dropAll(): void;
  /** Connections accepted so far (a reconnect after `disconnect` makes it grow). */
  connectionCount(): number;
  /** Sends an envelope and, like Slack, redelivers it until its `envelope_id` is acked; resolves with the ack. */
  sendUntilAcked(envelope: { envelope_id: string; [key: string]: unknown }, opts?: { everyMs?: number; timeoutMs?: number }): Promise<unknown>;
}

export class FakeSlack {
  private server!: Server;
  private sockets = new Set<Socket>();
  private recorded: RecordedCall[] = [];
  private messages = new Map<string, StoredMessage>();
  private files = new Map<string, UploadedFile>();
  private ephemerals: EphemeralResponse[] = [];
  private faults = new Map<string, Fault>();
  private userGroups = new Map<string, string[]>();
  private tsCounter = 0;
  private fileCounter = 0;
  private respondCounter = 0;
  private readonly pacing: FakePacing | null;
  /** Per channel: GCRA theoretical arrival time of the next post (ms). */
  private channelTat = new Map<string, number>();
  private problems: TextProblem[] = [];
  private wss?: WebSocketServer;
  private socketServer?: FakeSocketServer;
  private readonly baseSeconds = 1_764_000_000;
  port = 0;

  /** `pacing`: Slack's per-channel posting pace, enforced with 429 + `Retry-After`; `null` turns it off. */
  static async start(opts: { pacing?: FakePacing | null } = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(opts.pacing === undefined ? SLACK_PACING : opts.pacing);
    await fake.listen();
    return fake;
  }

  private constructor(pacing: FakePacing | null) {
    this.pacing = pacing;
  }

  /** Calls refused with 429 because they came faster than the channel's pace. */
  pacedOut(): RecordedCall[] {
    return this.recorded.filter((c) => c.error === 'ratelimited' && c.paced === true);
  }

  /**
   * Texts that would read wrong (escaped twice, "1 calls"), from every message, edit and ephemeral; a conversation
   * test expects none.
   */
  textProblems(): TextProblem[] {
    return [...this.problems];
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** For `clientOptions.slackApiUrl`. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** A fresh response_url served by the fake. */
  responseUrl(): string {
    this.respondCounter += 1;
    return `${this.baseUrl}/respond/${this.respondCounter}`;
  }

  /** Every recorded call, optionally of one method, oldest first. */
  calls(method?: string): RecordedCall[] {
    return method ? this.recorded.filter((c) => c.method === method) : [...this.recorded];
  }

  message(ts: string): StoredMessage | undefined {
    return this.messages.get(ts);
  }

  /** Top-level messages the app posted (thread parents), oldest first. */
  parents(): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.threadTs === undefined && m.byUser === undefined);
  }

  /** Replies posted in the thread of `ts`, oldest first (the parent itself excluded). */
  thread(ts: string): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.threadTs === ts && m.ts !== ts);
  }

  uploadedFiles(): UploadedFile[] {
    return [...this.files.values()];
  }

  ephemeralResponses(): EphemeralResponse[] {
    return [...this.ephemerals];
  }

  /** A message a human wrote (e.g. an incident thread's root), so the app may reply in its thread. */
  addUserMessage(channel: string, user: string, text: string, threadTs?: string): string {
    const ts = this.nextTs();
    this.messages.set(ts, { channel, ts, text, threadTs, edits: [], byUser: user });
    return ts;
  }

  /** Injects a fault for one method (`chat.postMessage`, `upload`, `respond`, ...); `null` clears it. */
  setFault(method: string, fault: Fault | null): void {
    if (fault) this.faults.set(method, fault);
    else this.faults.delete(method);
  }

  /**
   * Starts a WebSocket server for Socket Mode; `apps.connections.open` then returns its URL.
   * It sends `hello` on connect, like Slack.
   */
  async openSocketServer(): Promise<FakeSocketServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    this.wss = wss;
    const received: unknown[] = [];
    const waiters: Array<{ match: (f: unknown) => boolean; resolve: (f: unknown) => void }> = [];
    const clients = new Set<WebSocket>();
    let connections = 0;
    let markConnected!: () => void;
    const connected = new Promise<void>((resolve) => (markConnected = resolve));
    wss.on('connection', (ws) => {
      connections += 1;
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('message', (data) => {
        let frame: unknown;
        try {
          frame = JSON.parse(String(data));
        } catch {
          frame = String(data);
        }
        received.push(frame);
        for (const w of [...waiters]) {
          if (w.match(frame)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(frame);
          }
        }
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake', approximate_connection_time: 18060 }, connection_info: { app_id: 'A0FAKE' } }));
      markConnected();
    });
    const address = wss.address() as AddressInfo;
    this.socketServer = {
      url: `ws://127.0.0.1:${address.port}/`,
      received,
      connected,
      send: (frame) => {
        for (const ws of clients) ws.send(JSON.stringify(frame));
      },
      nextFrame: (match) => {
        const seen = received.find(match);
        if (seen !== undefined) return Promise.resolve(seen);
        return new Promise((resolve) => waiters.push({ match, resolve }));
      },
      dropAll: () => {
        for (const ws of clients) ws.terminate();
      },
      connectionCount: () => connections,
      sendUntilAcked: async (envelope, opts = {}) => {
        const isAck = (f: unknown): boolean => typeof f === 'object' && f !== null && (f as { envelope_id?: unknown }).envelope_id === envelope.envelope_id;
        const until = Date.now() + (opts.timeoutMs ?? 5000);
        while (Date.now() < until) {
          for (const ws of clients) ws.send(JSON.stringify(envelope));
          const sentAt = Date.now();
          while (Date.now() - sentAt < (opts.everyMs ?? 500)) {
            const ack = received.find(isAck);
            if (ack !== undefined) return ack;
            await delay(10);
          }
        }
        throw new Error(`envelope ${envelope.envelope_id} was never acked`);
      },
    };
    return this.socketServer;
  }

  async close(): Promise<void> {
    if (this.wss) {
      // Let a client that is closing finish the close handshake first: socket-mode otherwise keeps a
      // 30 s handshake timer alive after app.stop().
      const until = Date.now() + 2000;
      while (this.wss.clients.size > 0 && Date.now() < until) await delay(10);
      for (const ws of this.wss.clients) ws.terminate();
      await new Promise<void>((resolve) => this.wss!.close(() => resolve()));
      this.wss = undefined;
    }
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.route(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${this.baseSeconds + this.tsCounter}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  /**
   * Counts a post in `channel` on arrival (GCRA: a post may arrive once `now >= tat - (burst - 1) * interval`);
   * returns 0 when it is within the pace, else how long it came too early (ms), and counts nothing.
   */
  private pace(channel: string | undefined): number {
    if (!this.pacing || !channel) return 0;
    const { intervalMs, burst } = this.pacing;
    const now = Date.now();
    const tat = this.channelTat.get(channel) ?? Number.NEGATIVE_INFINITY;
    const early = tat - (burst - 1) * intervalMs - now;
    if (early > 0) return early;
    this.channelTat.set(channel, Math.max(tat, now) + intervalMs);
    return 0;
  }

  private checkTexts(method: string, body: Record<string, unknown>): void {
    for (const problem of textProblemsOf(body)) this.problems.push({ method, ...problem });
  }

  /** Consumes one use of a fault; returns it if it applies to this call. */
  private takeFault(method: string): Fault | undefined {
    const fault = this.faults.get(method);
    if (!fault) return undefined;
    if (fault.times !== undefined) {
      if (fault.times <= 1) this.faults.delete(method);
      else this.faults.set(method, { ...fault, times: fault.times - 1 });
    }
    return fault;
  }

  /** Undoes `takeFault` for a call refused before its fault applied. */
  private giveBackFault(method: string, fault: Fault): void {
    if (fault.times === undefined) return;
    const current = this.faults.get(method);
    if (!current) this.faults.set(method, { ...fault, times: 1 });
    else if (current.times !== undefined && current.kind === fault.kind) this.faults.set(method, { ...current, times: current.times + 1 });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', this.baseUrl);
    const token = bearer(req.headers.authorization);
    if (url.pathname.startsWith('/upload/')) {
      return this.handleUpload(url.pathname.slice('/upload/'.length), uploadedBytes(raw, req.headers['content-type']), token, res);
    }
    if (url.pathname.startsWith('/respond/')) {
      return this.handleRespond(raw, token, res);
    }
    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404).end('not found');
      return;
    }
    const method = url.pathname.slice('/api/'.length);
    const body = decodeBody(raw, req.headers['content-type']);
    const callToken = token ?? (typeof body.token === 'string' ? body.token : undefined);
    const fault = this.takeFault(method);
    if (fault?.kind === 'slow') await delay(fault.delayMs);
    if (fault?.kind === 'rate-limited') {
      this.recorded.push({ method, token: callToken, body, ok: false, error: 'ratelimited' });
      res.writeHead(429, { 'retry-after': String(fault.retryAfter), 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (fault?.kind === 'http') {
      this.recorded.push({ method, token: callToken, body, ok: false, error: `http_${fault.status}` });
      res.writeHead(fault.status, { 'content-type': 'text/html' }).end('<html><body>upstream error</body></html>');
      return;
    }
    const pacedWait = PACED_METHODS.has(method) ? this.pace(channelOf(body)) : 0;
    if (pacedWait > 0) {
      // Refused before the fault could apply: the fault is left for the retry, so a test's one-shot fault is not used
      // up by a 429 it did not ask for. (A slow fault has applied: its delay was served.)
      if (fault && fault.kind !== 'slow') this.giveBackFault(method, fault);
      this.recorded.push({ method, token: callToken, body, ok: false, error: 'ratelimited', paced: true });
      // Slack sends whole seconds.
      res.writeHead(429, { 'retry-after': String(Math.max(1, Math.ceil(pacedWait / 1000))), 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(method)) this.checkTexts(method, body);
    let answer: Record<string, unknown>;
    if (fault?.kind === 'error') answer = { ok: false, error: fault.error };
    else if (!callToken) answer = { ok: false, error: 'not_authed' };
    else answer = this.answer(method, body, fault);
    this.recorded.push({ method, token: callToken, body, ok: answer.ok === true, error: typeof answer.error === 'string' ? answer.error : undefined });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  private answer(method: string, body: Record<string, unknown>, fault: Fault | undefined): Record<string, unknown> {
    const str = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k] as string) : typeof body[k] === 'number' ? String(body[k]) : undefined);
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.com/', team: 'Fake', user: 'sip-check', team_id: 'T0FAKE', user_id: 'U0BOT', bot_id: 'B0BOT' };
      case 'apps.connections.open':
        if (!this.socketServer) return { ok: false, error: 'internal_error' };
        return { ok: true, url: this.socketServer.url };
      case 'chat.postMessage': {
        const channel = str('channel');
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const problem = checkMessage(body);
        if (problem) return { ok: false, error: problem };
        const threadTs = str('thread_ts');
        if (threadTs !== undefined) {
          const parent = this.messages.get(threadTs);
          // A thread_ts must name a top-level message of this channel.
          if (!parent || parent.channel !== channel || (parent.threadTs !== undefined && parent.threadTs !== parent.ts)) return { ok: false, error: 'invalid_thread_ts' };
        }
        const ts = this.nextTs();
        const message: StoredMessage = { channel, ts, text: str('text'), blocks: blocksOf(body), threadTs, edits: [] };
        this.messages.set(ts, message);
        return { ok: true, channel, ts, message: { type: 'message', text: message.text, ts, thread_ts: threadTs } };
      }
      case 'chat.update': {
        const channel = str('channel');
        const ts = str('ts');
        const message = ts ? this.messages.get(ts) : undefined;
        if (!message || message.channel !== channel || message.byUser) return { ok: false, error: 'message_not_found' };
        const problem = checkMessage(body);
        if (problem) return { ok: false, error: problem };
        const edit = { text: str('text'), blocks: blocksOf(body) };
        message.edits.push(edit);
        message.text = edit.text;
        message.blocks = edit.blocks;
        return { ok: true, channel, ts, text: edit.text };
      }
      case 'chat.postEphemeral': {
        const problem = checkMessage(body);
        if (problem) return { ok: false, error: problem };
        if (!str('user')) return { ok: false, error: 'user_not_in_channel' };
        // "Ephemeral messages in threads are only shown if there is already an active thread" (chat.postEphemeral,
        // `thread_ts`). Slack answers ok and the user sees nothing; the fake refuses, so a test notices.
        const ephemeralThread = str('thread_ts');
        if (ephemeralThread !== undefined && !this.hasReplies(ephemeralThread)) return { ok: false, error: 'fake_thread_ephemeral_not_shown' };
        this.ephemerals.push({ via: 'chat.postEphemeral', text: str('text'), blocks: blocksOf(body), user: str('user'), channel: str('channel'), threadTs: str('thread_ts') });
        return { ok: true, message_ts: this.nextTs() };
      }
      case 'files.getUploadURLExternal': {
        const filename = str('filename');
        const length = Number(str('length'));
        if (!filename || !Number.isFinite(length)) return { ok: false, error: 'invalid_arguments' };
        // Strict about argument names (docs.slack.dev files.getUploadURLExternal): `alt_txt`, up to 1,000
        // characters. Real Slack ignores an unknown name such as `alt_text` silently; the fake refuses it so a
        // test sees the mistake.
        const unknown = Object.keys(body).filter((k) => !GET_UPLOAD_URL_ARGS.has(k));
        if (unknown.length) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: unknown.map((k) => `[ERROR] unknown argument \`${k}\``) } };
        const altText = str('alt_txt');
        if (altText !== undefined && altText.length > 1000) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] `alt_txt` longer than 1000 characters'] } };
        this.fileCounter += 1;
        const fileId = `F0FAKE${this.fileCounter}`;
        this.files.set(fileId, { fileId, filename, length, bytes: Buffer.alloc(0), completed: false, ...(altText !== undefined ? { altText } : {}) });
        return { ok: true, upload_url: `${this.baseUrl}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const list = body.files;
        if (!Array.isArray(list) || list.length === 0) return { ok: false, error: 'invalid_arguments' };
        const threadTs = str('thread_ts');
        const channelId = str('channel_id');
        if (threadTs !== undefined && !this.messages.has(threadTs)) return { ok: false, error: 'invalid_thread_ts' };
        const done: unknown[] = [];
        for (const item of list as Array<{ id?: string; title?: string }>) {
          const file = item.id ? this.files.get(item.id) : undefined;
          if (!file || file.bytes.length !== file.length) return { ok: false, error: 'file_not_found' };
          file.completed = true;
          file.channelId = channelId;
          file.threadTs = threadTs;
          file.title = item.title;
          file.initialComment = str('initial_comment');
          done.push({ id: file.fileId, title: item.title ?? file.filename });
        }
        return { ok: true, files: done };
      }
      case 'files.info': {
        const file = this.files.get(str('file') ?? '');
        if (!file) return { ok: false, error: 'file_not_found' };
        const shared = file.completed && fault?.kind !== 'never-shared' && file.channelId;
        const shares = shared ? { public: { [file.channelId!]: [{ ts: this.nextTs(), thread_ts: file.threadTs }] } } : {};
        return { ok: true, file: { id: file.fileId, name: file.filename, title: file.title, size: file.length, shares } };
      }
      case 'usergroups.users.list': {
        const members = this.userGroups.get(str('usergroup') ?? '');
        if (!members) return { ok: false, error: 'no_such_subteam' };
        return { ok: true, users: [...members] };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /** A thread exists under `ts` once it has a reply (from anyone). */
  private hasReplies(ts: string): boolean {
    for (const m of this.messages.values()) if (m.threadTs === ts && m.ts !== ts) return true;
    return false;
  }

  /** Members of a Slack user group (`usergroups.users.list`). */
  setUserGroup(groupId: string, userIds: string[]): void {
    this.userGroups.set(groupId, userIds);
  }

  private handleUpload(fileId: string, raw: Buffer, token: string | undefined, res: ServerResponse): void {
    const fault = this.takeFault('upload');
    const file = this.files.get(fileId);
    this.recorded.push({ method: 'upload', token, body: { fileId, bytes: raw.length }, ok: !!file && !fault });
    if (fault || !file) {
      res.writeHead(fault?.kind === 'http' ? fault.status : 404).end('upload failed');
      return;
    }
    file.bytes = raw;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${raw.length}`);
  }

  private handleRespond(raw: Buffer, token: string | undefined, res: ServerResponse): void {
    const body = decodeBody(raw, 'application/json');
    const fault = this.takeFault('respond');
    if (fault?.kind === 'expired') {
      this.recorded.push({ method: 'respond', token, body, ok: false, error: 'expired_url' });
      res.writeHead(404, { 'content-type': 'text/plain' }).end('expired_url');
      return;
    }
    const problem = checkMessage(body);
    this.checkTexts('respond', body);
    this.recorded.push({ method: 'respond', token, body, ok: !problem, error: problem });
    if (problem) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(problem);
      return;
    }
    this.ephemerals.push({ via: 'respond', text: typeof body.text === 'string' ? body.text : undefined, blocks: blocksOf(body), responseType: typeof body.response_type === 'string' ? body.response_type : undefined });
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }
}

/** The arguments `files.getUploadURLExternal` documents (plus the token web-api may send in the body). */
const GET_UPLOAD_URL_ARGS: ReadonlySet<string> = new Set(['token', 'filename', 'length', 'alt_txt', 'snippet_type']);

/** The file's bytes from an upload POST: raw, or the first file part of a multipart body (web-api 8 sends one). */
export function uploadedBytes(raw: Buffer, contentType: string | undefined): Buffer {
  const m = /multipart\/form-data;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!m) return raw;
  const delimiter = Buffer.from(`--${m[1] ?? m[2]}`);
  let at = raw.indexOf(delimiter);
  while (at >= 0) {
    const headerEnd = raw.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) break;
    const headers = raw.subarray(at, headerEnd).toString('latin1');
    const next = raw.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd);
    if (next < 0) break;
    if (/filename=/i.test(headers)) return raw.subarray(headerEnd + 4, next);
    at = next + 2;
  }
  return raw;
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer (\S+)$/.exec(header ?? '');
  return m ? m[1] : undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Form bodies as Slack's SDK sends them: objects arrive as JSON strings. */
export function decodeBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = raw.toString('utf8');
  if ((contentType ?? '').includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text || '{}');
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    } catch {
      return { _raw: text };
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (/^[[{]/.test(value)) {
      try {
        out[key] = JSON.parse(value);
        continue;
      } catch {
        // keep the string
      }
    }
    out[key] = value;
  }
  return out;
}

function channelOf(body: Record<string, unknown>): string | undefined {
  const c = body.channel ?? body.channel_id;
  return typeof c === 'string' ? c : undefined;
}

/** Counted nouns the bot renders; after exactly "1" they must be singular. */
const COUNTED = 'calls|problems|messages|registrations|retransmissions|firewalls|changes|lines|packets|records|files|VDOMs|bytes|transactions';

/**
 * Rules for what a person reads, on the fallback `text` and every block text: an entity escaped twice
 * (`&amp;lt;` shows as `&lt;`), and a plural after exactly one ("1 calls").
 */
export function textProblemsOf(body: Record<string, unknown>): Array<{ problem: string; text: string }> {
  const texts: string[] = [];
  if (typeof body.text === 'string') texts.push(body.text);
  collectTexts(body.blocks, texts);
  const out: Array<{ problem: string; text: string }> = [];
  for (const t of texts) {
    if (/&amp;(?:amp|lt|gt);/.test(t)) out.push({ problem: 'escaped twice', text: t });
    if (new RegExp(`(?<![\\d.,])\\b1 (?:${COUNTED})\\b`).test(t)) out.push({ problem: 'plural after 1', text: t });
  }
  return out;
}

function collectTexts(value: unknown, into: string[]): void {
  if (Array.isArray(value)) for (const v of value) collectTexts(v, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'text' && typeof v === 'string') into.push(v);
      else collectTexts(v, into);
    }
  }
}

function blocksOf(body: Record<string, unknown>): unknown[] | undefined {
  return Array.isArray(body.blocks) ? (body.blocks as unknown[]) : undefined;
}

interface TextObject {
  type?: string;
  text?: string;
}

/** Slack's checks on a message body; returns its error code, or undefined when it would be accepted. */
export function checkMessage(body: Record<string, unknown>): string | undefined {
  const text = typeof body.text === 'string' ? body.text : undefined;
  const blocks = body.blocks;
  if (blocks !== undefined && !Array.isArray(blocks)) return 'invalid_blocks_format';
  // We hold ourselves to "always a top-level text fallback" (docs/slack.md), stricter than Slack.
  if (!text || text.trim() === '') return 'no_text';
  if (text.length > FAKE_LIMITS.messageText) return 'msg_too_long';
  if (!Array.isArray(blocks)) return undefined;
  if (blocks.length > FAKE_LIMITS.blocks) return 'invalid_blocks';
  let total = 0;
  for (const b of blocks as Array<Record<string, unknown>>) {
    const type = b.type;
    const t = b.text as TextObject | undefined;
    const len = typeof t?.text === 'string' ? t.text.length : 0;
    total += len;
    if (type === 'header') {
      if (t?.type !== 'plain_text' || len === 0 || len > FAKE_LIMITS.headerText) return 'invalid_blocks';
    } else if (type === 'section') {
      if (len > FAKE_LIMITS.sectionText) return 'invalid_blocks';
      const fields = b.fields as TextObject[] | undefined;
      if (fields !== undefined) {
        if (!Array.isArray(fields) || fields.length > FAKE_LIMITS.fields) return 'invalid_blocks';
        for (const f of fields) {
          const fl = typeof f.text === 'string' ? f.text.length : 0;
          if (fl === 0 || fl > FAKE_LIMITS.fieldText) return 'invalid_blocks';
          total += fl;
        }
      }
      if (len === 0 && fields === undefined) return 'invalid_blocks';
    } else if (type === 'context') {
      const elements = b.elements as TextObject[] | undefined;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10) return 'invalid_blocks';
      for (const e of elements) total += typeof e.text === 'string' ? e.text.length : 0;
    } else if (type === 'actions') {
      const elements = b.elements as Array<Record<string, unknown>> | undefined;
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > FAKE_LIMITS.actionsElements) return 'invalid_blocks';
      for (const e of elements) {
        if (typeof e.value === 'string' && e.value.length > 2000) return 'invalid_blocks';
        if (typeof e.action_id === 'string' && e.action_id.length > 255) return 'invalid_blocks';
      }
    } else if (type !== 'divider' && type !== 'image' && type !== 'rich_text') {
      return 'invalid_blocks';
    }
  }
  if (total > FAKE_LIMITS.totalBlockText) return 'msg_blocks_too_long';
  return undefined;
}
