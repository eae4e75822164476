import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { CheckError, describeError } from '../../errors';
import { neutraliseControls } from '../../report/controls';
import type { CheckService } from '../../check/service';
import { FLEET_HELP, parseFleetCommand } from '../../fleet/command';
import type { FleetService } from '../../fleet/service';
import type { Requester } from '../../check/types';
import { ConsoleThreadReporter } from './reporter';
import { ConsoleSweepReporter } from './sweepReporter';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChangeService } from '../../change/service';

export interface ConsoleOptions {
  input: Readable;
  output: Writable;
  service: CheckService;
  attachmentsDir: string;
  tty: boolean;
  redact?: (t: string) => string;
  /** The Slack user ID the terminal acts as (SIP_CHECK_CONSOLE_USER), else `console` (fw-demo only). */
  userId?: string;
  /** Fleet sweeps (`/sip-check all`, `tag=NAME`, `watch`). */
  fleet?: FleetService;
  /** Approved changes (issue 24): `propose N|clear [CHECK]` and `approve CHANGE`. */
  changes?: ChangeService;
  /** The second console user who approves (SIP_CHECK_CONSOLE_APPROVER); `approve` acts as this user. */
  approverId?: string;
}

/**
 * Two keys need two people: at one keyboard (SIP_CHECK_CONSOLE_APPROVER approves whatever is typed there), only the
 * built-in simulated fw-demo may be changed. Real firewalls are changed from Slack, where the approver clicks.
 * Passed to the change service as its `restrict`.
 */
export function consoleChangeRestriction(entry: { name: string; demo?: boolean }): string | undefined {
  return entry.demo === true
    ? undefined
    : `From the terminal only the built-in simulated fw-demo can be changed: one keyboard holds both keys. Propose the change of ${entry.name} from Slack, where a second person approves it.`;
}

const PROPOSE = /^propose\s+(\d{1,2}|clear)(?:\s+([A-Za-z0-9_-]{1,64}))?$/;
const APPROVE = /^approve\s+(chg-[a-f0-9]{8})$/;

/** `propose` / `approve` typed in the terminal: the same flow as the Slack buttons. */
async function changeCommand(text: string, opts: ConsoleOptions, requester: Requester, lastCheck: string | undefined): Promise<boolean> {
  const changes = opts.changes;
  if (!changes) return false;
  const out = (t: string) => opts.output.write(`${opts.redact ? opts.redact(t) : t}\n`);
  const p = PROPOSE.exec(text);
  if (p) {
    const checkId = p[2] ?? lastCheck;
    if (!checkId) {
      out('✘ Run a check first: `propose N` proposes option N of the last check.');
      return true;
    }
    const r = await changes.propose(checkId, p[1] === 'clear' ? 'clear' : Number(p[1]), requester);
    if (r.kind === 'refused') out(`✘ ${r.reason}`);
    else out(`${r.text}\n${opts.approverId ? `Approve as <@${opts.approverId}> with \`/sip-check approve ${r.proposal.id}\`.` : 'No console approver is set (SIP_CHECK_CONSOLE_APPROVER): it cannot be approved here.'}`);
    return true;
  }
  const a = APPROVE.exec(text);
  if (a) {
    if (!opts.approverId) {
      out('✘ No console approver is set (SIP_CHECK_CONSOLE_APPROVER).');
      return true;
    }
    const approver: Requester = { userId: opts.approverId, channelId: 'console', adapter: 'console' };
    const r = await changes.approve(a[1], approver, (step) => {
      out(`[${step.step}] ${step.text}`);
      if (step.file) {
        mkdirSync(opts.attachmentsDir, { recursive: true });
        const file = path.join(opts.attachmentsDir, step.file.name);
        writeFileSync(file, step.file.content, { mode: 0o600 });
        out(`        backup saved: ${file}`);
      }
    });
    if (r.kind === 'refused') out(`✘ ${r.reason}`);
    return true;
  }
  return false;
}

/**
 * The terminal adapter (like Hubot's shell adapter): type `/sip-check fw-demo` and watch the thread.
 * Resolves when the input ends (`quit`, Ctrl-D, Ctrl-C when nothing runs) and running checks have finished.
 *
 * Ctrl-C on a terminal reaches readline as a key, not as a signal: while a check runs it stops the check as SIGINT
 * does (cancelled, debug disabled and reset on the firewall, said on screen); a second Ctrl-C (or one when nothing
 * runs) quits, after any cleanup in progress has finished. In a pipe, Ctrl-C is the SIGINT main.ts handles.
 */
export async function runConsole(opts: ConsoleOptions): Promise<void> {
  const rl = createInterface({ input: opts.input, output: opts.tty ? opts.output : undefined, terminal: opts.tty });
  const pending = new Set<Promise<void>>();
  let lastCheck: string | undefined;
  const requester: Requester = { userId: opts.userId ?? 'console', channelId: 'console', adapter: 'console' };
  const prompt = () => {
    if (opts.tty) rl.prompt();
  };
  rl.setPrompt('sip-check> ');
  let stopping = false;
  rl.on('SIGINT', () => {
    if (pending.size === 0 || stopping || !opts.service.cancelRunning) {
      opts.output.write('\n');
      rl.close();
      return;
    }
    stopping = true;
    opts.output.write('\n^C: stopping the running check: debug is disabled and reset on the firewall. Ctrl-C again quits.\n');
    void opts.service.cancelRunning(new CheckError('cancelled', 'Stopped with Ctrl-C.')).then((n) => {
      stopping = false;
      opts.output.write(`\r■ Stopped ${n} check${n === 1 ? '' : 's'}. Ctrl-C again (or \`quit\`) quits.\n`);
      prompt();
    });
  });
  opts.output.write('sip-check terminal: type `/sip-check help`, `/sip-check fw-demo`, or `quit`.\n');
  prompt();

  for await (const rawLine of rl) {
    const line = rawLine.trim();
    if (line === '') {
      prompt();
      continue;
    }
    if (line === 'quit' || line === 'exit') break;
    const match = /^\/?sip-check(?:\s+([\s\S]*))?$/.exec(line);
    if (!match) {
      opts.output.write('Commands start with `/sip-check` (try `/sip-check help`), or type `quit`.\n');
      prompt();
      continue;
    }
    if (await changeCommand((match[1] ?? '').trim(), opts, requester, lastCheck)) {
      prompt();
      continue;
    }
    const fleetCommand = opts.fleet ? parseFleetCommand(match[1] ?? '') : undefined;
    if (opts.fleet && fleetCommand) {
      const fleetOutcome = await opts.fleet.handle(fleetCommand, requester, () => new ConsoleSweepReporter(opts.output, opts.attachmentsDir, { tty: opts.tty, redact: opts.redact }));
      if (fleetOutcome.kind === 'text') opts.output.write(neutraliseControls(`${fleetOutcome.text}\n`));
      else if (fleetOutcome.kind === 'rejected') opts.output.write(neutraliseControls(`✘ ${describeError(fleetOutcome.error)}\n`));
      else {
        const done = fleetOutcome.done.then(() => undefined).finally(() => {
          pending.delete(done);
          prompt();
        });
        pending.add(done);
        continue;
      }
      prompt();
      continue;
    }
    const outcome = await opts.service.handle(match[1] ?? '', requester, () => new ConsoleThreadReporter(opts.output, opts.attachmentsDir, { tty: opts.tty, redact: opts.redact }));
    if (outcome.kind === 'help') opts.output.write(`${outcome.text}${opts.fleet ? `\n\n${FLEET_HELP}` : ''}\n`);
    else if (outcome.kind === 'rejected') opts.output.write(neutraliseControls(`✘ ${describeError(outcome.error)}\n`));
    else {
      lastCheck = outcome.checkId;
      const done = outcome.done.finally(() => {
        pending.delete(done);
        prompt();
      });
      pending.add(done);
      continue;
    }
    prompt();
  }
  rl.close();
  await Promise.allSettled([...pending]);
}
