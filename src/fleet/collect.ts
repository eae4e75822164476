import type { CheckLimits, FirewallEntry } from '../config/types';
import { COMMANDS, DEFAULTS, vdomModeIsMulti } from '../fortios/cli';
import { parseSystemStatus } from '../fortios/parsers';
import type { CommandResult, FortiSession } from '../fortigate/types';
import { SINGLE_VDOM_GLOBAL_READS, assertNoDebug, vdomReads } from '../check/plan';
import { pickVdoms, readGlobalVdoms } from '../check/vdoms';
import type { SessionOpener } from '../check/run';
import { chatErrorSummary, CheckError, toCheckError } from '../errors';
import { decide, readFacts } from '../verdict/index';
import { sipConfigLines } from './configLines';
import type { SweepRow } from './types';

/**
 * One firewall of a sweep: the check's config reads and runtime counters (src/check/plan.ts), no capture.
 * The sweep NEVER sends a debug command: `assertNoDebug` refuses any before it reaches the session.
 */

export interface CollectDeps {
  openSession: SessionOpener;
  limits: CheckLimits;
  signal?: AbortSignal;
  now?: () => number;
}

/** Defence in depth: the sweep's plan must hold no `diagnose debug` command (shared with config-only checks). */
export { assertNoDebug };

export async function sweepFirewall(entry: FirewallEntry, deps: CollectDeps): Promise<SweepRow> {
  const now = deps.now ?? Date.now;
  const started = now();
  const outputs: CommandResult[] = [];
  let session: FortiSession | undefined;
  const row = (partial: Partial<SweepRow>): SweepRow => ({
    name: entry.name,
    handler: null,
    rule: null,
    hostname: null,
    version: null,
    vdoms: [],
    error: null,
    configLines: [],
    ...partial,
    seconds: Math.round((now() - started) / 100) / 10,
  });
  try {
    if (deps.signal?.aborted) throw new CheckError('cancelled', 'the sweep was stopped before this firewall was read');
    session = await deps.openSession(entry);
    const s = session;
    const run = async (command: string): Promise<CommandResult> => {
      if (deps.signal?.aborted) throw new CheckError('cancelled', 'the sweep was stopped');
      const result = await s.run(assertNoDebug(command), { timeoutMs: deps.limits.commandTimeoutMs });
      outputs.push(result);
      return result;
    };
    const status = await run(COMMANDS.systemStatus);
    if (status.error) {
      throw new CheckError(status.error.kind === 'permission-denied' ? 'permission-denied' : 'cli-error', `\`${status.command}\` failed on ${entry.name}: ${status.error.text}`);
    }
    const multiVdom = vdomModeIsMulti(parseSystemStatus(status.output).vdomMode);
    let vdoms: Array<string | null> = [null];
    if (multiVdom) {
      let known: string[] = [];
      try {
        known = await readGlobalVdoms(s, run, outputs);
      } catch (e) {
        // VDOM-scoped admins may be refused `config global` (docs/domain.md): read what the admin may see.
        if (toCheckError(e).kind !== 'cli-error' && toCheckError(e).kind !== 'permission-denied') throw e;
      }
      vdoms = pickVdoms(known, entry.vdom, entry.name);
    } else {
      for (const command of SINGLE_VDOM_GLOBAL_READS) await run(command);
    }
    for (const vdom of vdoms) {
      if (vdom) await s.enterVdom(vdom);
      for (const command of vdomReads(DEFAULTS.sipUdpPort)) await run(command);
      if (vdom) await s.leaveContext();
    }
    const facts = readFacts(outputs);
    const verdict = decide(facts);
    return row({
      handler: verdict.handler,
      rule: verdict.rule,
      hostname: facts.status?.hostname ?? null,
      version: facts.status?.version ?? null,
      vdoms: verdict.vdoms.map((v) => ({ name: v.name, handler: v.handler })),
      configLines: sipConfigLines(outputs, verdict),
    });
  } catch (e) {
    const error = toCheckError(e);
    return row({ error: { kind: error.kind, message: error.message, chat: chatErrorSummary(error) } });
  } finally {
    if (session) await session.close();
  }
}
