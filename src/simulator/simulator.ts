import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Server, utils, type AuthContext, type Connection, type ParsedKey, type ServerChannel } from 'ssh2';
import { adoptSocket } from './sockets';
import { CLI_MESSAGES, COMMANDS, MAX_ADMINS } from '../fortios/cli';
import { normaliseCommand } from '../fortios/transcript';
import { DebugStreamer } from './debugStream';
import { contextOf, DeviceCli, type CommandOutcome, type Frame } from './device';
import { DEFAULT_HOST_KEY } from './hostKey';
import type { Scenario } from './scenario';
import { ShellSession, type ShellHost, type ShellIO } from './shell';
import {
  newDeviceState,
  type CommandLogEntry,
  type DeviceState,
  type Faults,
  type Latency,
  type SimulatorOptions,
} from './types';

const AUTH_METHODS: AuthContext['method'][] = ['password', 'publickey', 'keyboard-interactive'];
/** The command log is for tests and benchmarks; cap it so a long benchmark cannot grow it without bound. */
const MAX_COMMAND_LOG = 100_000;

/** `SHA256:` + unpadded base64 of sha256 over the raw public key blob: what `ssh-keygen -lf` prints. */
export function fingerprintOf(key: ParsedKey): string {
  return 'SHA256:' + createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '');
}

function parseOneKey(text: string, what: string): ParsedKey {
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) throw new Error(`${what}: ${parsed.message}`);
  return Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
}

/** Constant-time comparison of secrets of any length (hash first, then timingSafeEqual). */
function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

interface User {
  username: string;
  password?: string;
  keys: ParsedKey[];
}

/**
 * A FortiGate on loopback (ssh2 `Server`): answers from a scenario transcript, keeps device state (debug, config
 * writes) across connections, and injects faults. See docs/ssh.md "The simulator".
 */
export class FortiGateSimulator implements ShellHost {
  readonly state: DeviceState = newDeviceState();
  readonly commandLog: CommandLogEntry[] = [];
  readonly hostKeyFingerprint: string;
  readonly hostname: string;
  readonly privilege: '#' | '$';
  readonly postLoginBanner?: string;

  private readonly scenario: Scenario;
  private readonly hostKey: string;
  private readonly users: User[];
  private readonly device: DeviceCli;
  private readonly streamer: DebugStreamer;
  private readonly sshServer: Server;
  private readonly netServer: NetServer;
  private readonly sockets = new Map<number, Socket>();
  private readonly clients = new Set<Connection>();
  private readonly shells = new Map<ShellSession, ShellIO>();
  private faults: Partial<Faults>;
  private latency: Latency;
  private durationTimer: NodeJS.Timeout | null = null;
  private listeningPort = 0;
  private closing = false;

  constructor(private readonly opts: SimulatorOptions) {
    this.scenario = opts.scenario;
    this.hostname = opts.scenario.hostname;
    this.privilege = opts.scenario.adminProfile;
    if (opts.scenario.postLoginBanner !== undefined) this.postLoginBanner = opts.scenario.postLoginBanner;
    this.hostKey = opts.hostKey ?? DEFAULT_HOST_KEY;
    this.hostKeyFingerprint = fingerprintOf(parseOneKey(this.hostKey, 'host key'));
    this.users = opts.users.map((u) => ({
      username: u.username,
      password: u.password,
      keys: (u.publicKeys ?? []).map((line, i) => parseOneKey(line, `public key ${i + 1} of user ${u.username}`)),
    }));
    this.faults = { ...(opts.faults ?? {}) };
    this.latency = { perCommandMs: 0, perDebugLineMs: 0, ...(opts.latency ?? {}) };
    const clock = opts.clock ?? Date.now;
    this.device = new DeviceCli(this.scenario, this.state, { onDebugChange: () => this.syncDebug(), now: clock });
    this.streamer = new DebugStreamer(
      this.scenario.debugStream,
      () => ({
        linesPerSecond: this.scenario.debugLinesPerSecond,
        loop: this.scenario.debugLoop,
        perLineMs: this.latency.perDebugLineMs,
        flood: this.faults.floodDebug === true,
        timestamps: this.state.debug.consoleTimestamp,
        now: clock,
      }),
      opts.seed ?? 1,
      (emitted) => this.onDebugLines(emitted),
    );

    const serverConfig: ConstructorParameters<typeof Server>[0] = {
      hostKeys: [this.hostKey],
      algorithms: {
        // ssh2 advertises group exchange but cannot serve it ("Group exchange not implemented for server"):
        // clients that pick it (paramiko, so Netmiko) would fail where a FortiGate works. Offer what FortiOS
        // offers instead, including its legacy group14-sha1.
        kex: [
          'curve25519-sha256',
          'curve25519-sha256@libssh.org',
          'ecdh-sha2-nistp256',
          'ecdh-sha2-nistp384',
          'ecdh-sha2-nistp521',
          'diffie-hellman-group14-sha256',
          'diffie-hellman-group16-sha512',
          'diffie-hellman-group18-sha512',
          'diffie-hellman-group14-sha1',
        ],
      },
    };
    if (this.scenario.preLoginBanner !== undefined) serverConfig.banner = this.scenario.preLoginBanner;
    this.sshServer = new Server(serverConfig, (client, info) => this.onClient(client, info.port));
    this.netServer = createServer((socket) => this.onSocket(socket));
  }

  get port(): number {
    return this.listeningPort;
  }

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.netServer.once('error', onError);
      this.netServer.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        this.netServer.off('error', onError);
        const address = this.netServer.address();
        this.listeningPort = typeof address === 'object' && address ? address.port : 0;
        resolve(this.listeningPort);
      });
    });
  }

  /** Ends every client connection and stops listening. Device state stays readable. */
  close(): Promise<void> {
    this.closing = true;
    this.streamer.stop();
    this.clearDurationTimer();
    for (const shell of [...this.shells.keys()]) shell.close();
    for (const client of this.clients) {
      try {
        client.end();
      } catch {
        // already gone
      }
    }
    // Give the disconnect packets a moment to leave, then make sure nothing keeps the server open.
    const sockets = [...this.sockets.values()];
    const killer = setTimeout(() => sockets.forEach((s) => s.destroy()), 50);
    return new Promise((resolve) => {
      this.netServer.close(() => {
        clearTimeout(killer);
        resolve();
      });
      if (sockets.length === 0) clearTimeout(killer);
    });
  }

  setFaults(f: Partial<Faults>): void {
    const wasFlooding = this.faults.floodDebug === true;
    this.faults = { ...this.faults, ...f };
    if (wasFlooding !== (this.faults.floodDebug === true) && this.streamer.isRunning) {
      this.streamer.stop();
      this.syncDebug();
    }
  }

  /**
   * Another admin changes the configuration (a concurrent change, for tests and the demo): the lines run through the
   * same CLI in their own context, as typed in a session of their own. Returns each line's output.
   */
  configure(lines: readonly string[]): string[] {
    const frames: Frame[] = [];
    return lines.map((line) => this.device.run(frames, normaliseCommand(line)).output);
  }

  /** The configuration paths changed so far (`context path`). */
  get changedConfig(): string[] {
    return this.device.configStore.changed;
  }

  setLatency(l: Partial<Latency>): void {
    this.latency = { ...this.latency, ...l };
  }

  // ShellHost

  pagerLines(): number {
    return this.state.consoleOutput === 'standard' ? 0 : this.scenario.pagerLines;
  }

  slowPromptMs(): number {
    return this.faults.slowPromptMs ?? 0;
  }

  perCommandMs(): number {
    return this.latency.perCommandMs;
  }

  execute(shell: ShellSession, rawCommand: string): CommandOutcome | 'drop' | 'hang' {
    const command = normaliseCommand(rawCommand);
    this.log(contextOf(shell.frames), command, shell.printedPrompt);
    const drop = this.faults.dropOn;
    if (typeof drop === 'object' && 'command' in drop && command.startsWith(normaliseCommand(drop.command))) return 'drop';
    if (this.faults.hangOn !== undefined && command.startsWith(normaliseCommand(this.faults.hangOn))) return 'hang';
    if (this.faults.cliErrorOn !== undefined && command.startsWith(normaliseCommand(this.faults.cliErrorOn))) {
      const word = command.split(' ').pop() ?? command;
      return { output: `${CLI_MESSAGES.parseError(word)}\n${CLI_MESSAGES.commandFail(CLI_MESSAGES.parseErrorCode)}` };
    }
    if (this.faults.ignoreOn !== undefined && command.startsWith(normaliseCommand(this.faults.ignoreOn))) return { output: '' };
    const outcome = this.device.run(shell.frames, command);
    const enabledDebug = command === COMMANDS.debugEnable && this.state.debug.enabled;
    if (enabledDebug) {
      // Debug output goes to the CLI session that enabled it; the duration timer restarts with each enable.
      this.streamer.attach(shell);
      this.startDurationTimer();
    }
    if (this.faults.hangAfter !== undefined && command.startsWith(normaliseCommand(this.faults.hangAfter))) {
      // The command took effect, then the prompt never came back: debug output (if enabled) still streams.
      if (enabledDebug) this.syncDebug();
      return 'hang';
    }
    // The stream starts once the command has returned its prompt (with device latency, not before it), then lands
    // after that prompt, on the same line, as on a real unit.
    if (enabledDebug) return { ...outcome, afterPrompt: () => this.syncDebug() };
    return outcome;
  }

  unanswered(shell: ShellSession, line: string): void {
    this.log(contextOf(shell.frames), normaliseCommand(line), shell.printedPrompt, true);
  }

  /** VDOMs this device has (what `diagnose sys vd list` names): the only names `edit` may enter under `config vdom`. */
  get vdoms(): readonly string[] {
    return this.scenario.vdomMode === 'multiple' ? this.scenario.vdoms : [];
  }

  closed(shell: ShellSession): void {
    if (!this.shells.has(shell)) return;
    this.shells.delete(shell);
    this.streamer.detach(shell);
    this.state.adminSessions = Math.max(0, this.state.adminSessions - 1);
  }

  // Internals

  private log(context: string | null, command: string, prompt: string | null, unanswered = false): void {
    if (this.commandLog.length >= MAX_COMMAND_LOG) this.commandLog.splice(0, MAX_COMMAND_LOG / 2);
    const entry: CommandLogEntry = { context, command, at: Date.now() };
    if (prompt !== null) entry.prompt = prompt;
    if (unanswered) entry.unanswered = true;
    this.commandLog.push(entry);
  }

  private syncDebug(): void {
    const d = this.state.debug;
    const sipLevel = d.levels.sip ?? 0;
    this.streamer.sync(d.enabled && sipLevel !== 0);
    if (!d.enabled) this.clearDurationTimer();
  }

  /** `diagnose debug duration N`: the device-side dead-man timer that stops debug output after N minutes. */
  private startDurationTimer(): void {
    this.clearDurationTimer();
    const minutes = this.state.debug.durationMinutes;
    if (!minutes) return;
    this.durationTimer = setTimeout(() => {
      this.durationTimer = null;
      this.state.debug.enabled = false;
      this.syncDebug();
    }, minutes * (this.opts.minuteMs ?? 60_000));
    this.durationTimer.unref();
  }

  private clearDurationTimer(): void {
    if (this.durationTimer) clearTimeout(this.durationTimer);
    this.durationTimer = null;
  }

  private onDebugLines(emitted: number): void {
    const drop = this.faults.dropOn;
    if (typeof drop === 'object' && 'debugLines' in drop && emitted >= drop.debugLines) {
      const sink = this.streamer.currentSink;
      const io = sink instanceof ShellSession ? this.shells.get(sink) : undefined;
      this.streamer.stop();
      io?.destroy();
    }
  }

  private onSocket(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    adoptSocket(socket, this.sockets, this.sshServer);
  }

  private onClient(client: Connection, remotePort: number): void {
    const socket = this.sockets.get(remotePort);
    const destroy = () => socket?.destroy();
    client.on('error', () => undefined);
    if (this.faults.dropOn === 'handshake') {
      destroy();
      return;
    }
    this.clients.add(client);
    client.once('close', () => this.clients.delete(client));
    client.on('authentication', (ctx) => this.authenticate(ctx, destroy));
    client.on('ready', () => {
      this.state.logins++;
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (accept) => accept?.());
        session.on('window-change', (accept) => accept?.());
        session.on('env', (accept) => accept?.());
        session.on('shell', (accept) => {
          if (this.faults.dropOn === 'shell') {
            destroy();
            return;
          }
          this.openShell(accept(), client, destroy);
        });
        session.on('exec', (accept, _reject, info) => this.exec(accept(), info.command));
      });
    });
  }

  private authenticate(ctx: AuthContext, destroy: () => void): void {
    if (this.faults.dropOn === 'auth') {
      destroy();
      return;
    }
    const user = this.users.find((u) => u.username === ctx.username);
    if (this.faults.rejectAuth || !user) {
      // Keyboard-interactive still asks for the password of unknown users, as a real server does.
      if (ctx.method === 'keyboard-interactive' && !this.faults.rejectAuth) {
        ctx.prompt([{ prompt: 'Password: ', echo: false }], () => ctx.reject(AUTH_METHODS));
        return;
      }
      ctx.reject(AUTH_METHODS);
      return;
    }
    switch (ctx.method) {
      case 'password':
        if (user.password !== undefined && secretEquals(ctx.password, user.password)) ctx.accept();
        else ctx.reject(AUTH_METHODS);
        return;
      case 'keyboard-interactive':
        if (user.password === undefined) {
          ctx.reject(AUTH_METHODS);
          return;
        }
        ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
          if (answers.length === 1 && user.password !== undefined && secretEquals(answers[0], user.password)) ctx.accept();
          else ctx.reject(AUTH_METHODS);
        });
        return;
      case 'publickey': {
        const key = user.keys.find((k) => k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data));
        if (!key) {
          ctx.reject(AUTH_METHODS);
          return;
        }
        // Without a signature the client only asks whether the key would do (the probe).
        if (!ctx.signature || !ctx.blob) {
          ctx.accept();
          return;
        }
        if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) ctx.accept();
        else ctx.reject(AUTH_METHODS);
        return;
      }
      default:
        ctx.reject(AUTH_METHODS);
    }
  }

  private openShell(channel: ServerChannel, client: Connection, destroy: () => void): void {
    this.state.adminSessions++;
    const max = this.opts.maxAdmins;
    if (this.faults.maxAdmins || (max !== undefined && this.state.adminSessions > max)) {
      this.state.adminSessions--;
      channel.write(`${MAX_ADMINS}\r\n`);
      channel.end();
      client.end();
      return;
    }
    const io: ShellIO = {
      write: (text) => channel.write(text),
      onDrain: (cb) => channel.once('drain', cb),
      end: () => {
        channel.end();
        client.end();
      },
      destroy,
    };
    const shell = new ShellSession(this, io);
    this.shells.set(shell, io);
    channel.on('data', (data: Buffer) => shell.input(data.toString('latin1')));
    channel.on('close', () => shell.close());
    channel.on('error', () => shell.close());
    client.once('close', () => shell.close());
    shell.start();
  }

  /** `exec`: one command, its output, exit status 0 (FortiOS exec support is unconfirmed: docs/ssh.md). */
  private exec(channel: ServerChannel, command: string): void {
    const frames: Parameters<DeviceCli['run']>[0] = [];
    const normalised = normaliseCommand(command);
    this.log(null, normalised, null);
    const outcome = this.device.run(frames, normalised);
    if (outcome.output) channel.write(outcome.output.replace(/\n/g, '\r\n') + '\r\n');
    channel.exit(0);
    channel.end();
  }
}
