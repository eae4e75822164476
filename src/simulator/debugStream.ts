/**
 * The asynchronous SIP debug stream of a simulated FortiGate: lines printed to the CLI session that ran
 * `diagnose debug enable`, at a set rate, in chunks that sometimes split a line across two writes (seeded, so
 * runs are reproducible), or as fast as the socket takes them (flood).
 */

export interface DebugSink {
  /** Returns false when the channel's buffer is full (wait for `onDrain`). */
  write(text: string): boolean;
  onDrain(cb: () => void): void;
  readonly alive: boolean;
}

export interface StreamSettings {
  linesPerSecond: number;
  loop: boolean;
  perLineMs: number;
  flood: boolean;
  /**
   * `diagnose debug console timestamp enable`: each line carries the unit's clock at the moment it is printed. The
   * recorded lines' own timestamps only say which lines are stamped (a line recorded without one stays without).
   */
  timestamps: boolean;
  /** The unit's clock, in ms. */
  now: () => number;
}

/** mulberry32: a tiny deterministic PRNG for chunk boundaries. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /;
const PACED_TICK_MS = 20;
const FLOOD_CHUNK_BYTES = 64 * 1024;

function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export class DebugStreamer {
  private sink: DebugSink | null = null;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private next = 0;
  private loopIndex = 0;
  private carry = '';
  private budget = 0;
  private readonly random: () => number;
  /** Lines emitted since the stream was last started. */
  emitted = 0;

  constructor(
    private readonly lines: readonly string[],
    private readonly settings: () => StreamSettings,
    seed: number,
    private readonly onLines: (emittedSinceStart: number) => void,
  ) {
    this.random = seededRandom(seed);
  }

  get isRunning(): boolean {
    return this.running;
  }

  get currentSink(): DebugSink | null {
    return this.sink;
  }

  attach(sink: DebugSink | null): void {
    if (this.sink !== sink) this.stop();
    this.sink = sink;
  }

  detach(sink: DebugSink): void {
    if (this.sink === sink) {
      this.stop();
      this.sink = null;
    }
  }

  /** Starts or stops according to the device's debug state. */
  sync(shouldRun: boolean): void {
    if (shouldRun && this.sink && this.sink.alive && this.lines.length > 0) this.start();
    else this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.next >= this.lines.length && !this.settings().loop) this.next = 0;
    this.emitted = 0;
    this.budget = 0;
    this.schedule();
  }

  /** Stops and completes a line left half-written, so the next prompt starts on a fresh line as on a real unit. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    if (this.carry && this.sink?.alive) this.sink.write(this.carry);
    this.carry = '';
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.settings().flood) {
      this.immediate = setImmediate(() => this.floodOnce());
    } else {
      this.timer = setTimeout(() => this.tick(), this.tickMs());
    }
  }

  private rate(): number {
    const s = this.settings();
    const byLatency = s.perLineMs > 0 ? 1000 / s.perLineMs : Infinity;
    return Math.max(0.01, Math.min(s.linesPerSecond, byLatency));
  }

  private tickMs(): number {
    // One line per tick at low rates; otherwise a batch every 20 ms.
    return Math.max(PACED_TICK_MS, Math.min(1000 / this.rate(), 10_000));
  }

  private tick(): void {
    this.timer = null;
    if (!this.running || !this.sink?.alive) return;
    this.budget += (this.rate() * this.tickMs()) / 1000;
    const count = Math.floor(this.budget);
    this.budget -= count;
    if (count > 0) {
      const batch = this.take(count);
      if (batch === null) return;
      this.emit(batch, true);
    }
    this.schedule();
  }

  private floodOnce(): void {
    this.immediate = null;
    if (!this.running || !this.sink?.alive) return;
    const parts: string[] = [];
    let size = 0;
    let lines = 0;
    while (size < FLOOD_CHUNK_BYTES) {
      const line = this.nextLine();
      if (line === null) break;
      parts.push(line);
      size += line.length;
      lines++;
    }
    if (lines === 0) {
      this.finish();
      return;
    }
    const ok = this.emit({ text: parts.join(''), lines }, false);
    if (!this.running) return;
    if (ok) this.schedule();
    else this.sink.onDrain(() => this.schedule());
  }

  /** Writes `carry + text`, keeping back a random tail (sometimes, in paced mode; always, in flood mode). */
  private emit(batch: { text: string; lines: number }, paced: boolean): boolean {
    const sink = this.sink;
    if (!sink) return false;
    const text = this.carry + batch.text;
    let cut = text.length;
    if (text.length > 2 && (!paced || this.random() < 0.35)) {
      const lastLineStart = paced ? text.lastIndexOf('\n', text.length - 2) + 1 : 0;
      cut = lastLineStart + 1 + Math.floor(this.random() * (text.length - lastLineStart - 1));
    }
    this.carry = text.slice(cut);
    const ok = sink.write(text.slice(0, cut));
    this.emitted += batch.lines;
    this.onLines(this.emitted);
    return ok;
  }

  private take(count: number): { text: string; lines: number } | null {
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      const line = this.nextLine();
      if (line === null) break;
      parts.push(line);
    }
    if (parts.length === 0) {
      this.finish();
      return null;
    }
    return { text: parts.join(''), lines: parts.length };
  }

  /** Stream exhausted (no loop): the stream ends but debug stays enabled, as on a quiet unit. */
  private finish(): void {
    if (this.carry && this.sink?.alive) this.sink.write(this.carry);
    this.carry = '';
    this.running = false;
  }

  private nextLine(): string | null {
    if (this.next >= this.lines.length) {
      if (!this.settings().loop) return null;
      this.next = 0;
      this.loopIndex++;
    }
    let line = this.lines[this.next++];
    if (this.loopIndex > 0) line = renewDialogIds(line, this.loopIndex);
    if (TIMESTAMP.test(line)) {
      const settings = this.settings();
      // Stamped when printed, not when recorded: a 20 s capture holds 20 s of timestamps, loop after loop.
      line = settings.timestamps ? formatTimestamp(settings.now()) + line.slice(19) : line.replace(TIMESTAMP, '');
    }
    return line + '\r\n';
  }
}

const READ_RECORD = /^(.*\bread \[\(0,)(\d+)\)\(([0-9a-fA-F]+)\)\((.*)\)\]\s*$/;

/**
 * A looping stream replays the same SIP messages; give each pass new Call-IDs, tags and branches so a
 * replayed call reads as a new call (as on a busy unit), not as retransmissions. The hex, the declared
 * length and the text column are re-encoded from the rewritten message, so the record stays exact.
 */
export function renewDialogIds(line: string, pass: number): string {
  const m = READ_RECORD.exec(line);
  if (!m) return line;
  const message = Buffer.from(m[3], 'hex').toString('latin1');
  const suffix = `x${pass}`;
  const renewed = message
    .replace(/^((?:Call-ID|i)\s*:\s*)(\S+)/gim, (_all, head: string, id: string) => {
      const at = id.indexOf('@');
      return at < 0 ? `${head}${id}${suffix}` : `${head}${id.slice(0, at)}${suffix}${id.slice(at)}`;
    })
    .replace(/([;]tag=)([^;>\s]+)/gi, `$1$2${suffix}`)
    .replace(/([;]branch=)([^;>\s]+)/gi, `$1$2${suffix}`);
  const bytes = Buffer.from(renewed, 'latin1');
  const text = renewed.replace(/[\r\n]/g, '.');
  return `${m[1]}${bytes.length})(${bytes.toString('hex')})(${text})]`;
}
