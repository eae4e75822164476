import { COMMANDS } from '../fortios/cli';
import type { Facts } from './facts';
import type { PartialCoverage } from './types';

/**
 * Whether a verdict speaks for the whole unit or for some of its VDOMs only (issue 11 §2). Pure.
 *
 * The VDOM names come from `diagnose sys vd list` when it was read; otherwise from the `set vdom` lines of
 * `show system interface` (a VDOM without an interface is missing there), and then the count printed by
 * `get system status` tells whether some were left out. With the list read, the list is the answer: whether the
 * status count includes FortiOS's internal VDOMs (`vsys_*`) is not documented, so it is not compared then.
 */
export function vdomCoverage(facts: Facts, checked: readonly string[]): PartialCoverage | undefined {
  if (!facts.multiVdom) return undefined;
  const listed = (facts.vdList ?? []).map((v) => v.name);
  let source: PartialCoverage['source'];
  let names: string[];
  if (listed.length) {
    source = 'vd-list';
    names = listed;
  } else if (facts.interfaceVdoms?.length) {
    source = 'interfaces';
    names = facts.interfaceVdoms;
  } else {
    source = 'none';
    names = [];
  }
  const known = [...new Set([...names, ...checked])];
  const notChecked = known.filter((n) => !checked.includes(n));
  const total = facts.status?.vdomCount;
  const unnamed = source !== 'vd-list' && total !== undefined ? Math.max(0, total - known.length) : 0;
  // Without the list and without the count, nothing confirms that the checked VDOMs are all there is.
  const unconfirmed = source !== 'vd-list' && total === undefined;
  if (!notChecked.length && !unnamed && !unconfirmed) return undefined;

  const coverage: PartialCoverage = { source, checked: [...checked], notChecked, unnamed, explanation: '' };
  if (total !== undefined) coverage.total = total;
  if (source !== 'vd-list') coverage.listProblem = facts.vdListError ?? (facts.vdList ? 'output not understood' : 'not read');
  coverage.explanation = explain(coverage);
  return coverage;
}

function list(names: readonly string[]): string {
  return names.length ? names.join(', ') : 'none';
}

function explain(c: PartialCoverage): string {
  const count = c.total !== undefined ? `${c.checked.length} of ${c.total} VDOMs` : `${c.checked.length} VDOM${c.checked.length === 1 ? '' : 's'} (how many the unit has is unknown: \`${COMMANDS.systemStatus}\` did not say)`;
  const parts = [`Partial answer: ${count} checked (${list(c.checked)}); the handler speaks for ${c.checked.length === 1 ? 'that VDOM' : 'those VDOMs'} only, not for the whole firewall.`];
  if (c.listProblem) {
    const from = c.source === 'interfaces' ? ` The names came from the \`set vdom\` lines of \`${COMMANDS.systemInterface}\` instead.` : '';
    parts.push(`${c.listProblem === 'not read' ? `\`${COMMANDS.vdList}\` was not read.` : `\`${COMMANDS.vdList}\` could not be used (${c.listProblem}).`}${from}`);
  }
  if (c.notChecked.length) parts.push(`Not checked: ${list(c.notChecked)}. Check one with \`vdom=NAME\`, e.g. \`vdom=${c.notChecked[0]}\`.`);
  if (c.unnamed) {
    parts.push(
      `${c.unnamed} more VDOM${c.unnamed === 1 ? '' : 's'} exist${c.unnamed === 1 ? 's' : ''} per \`${COMMANDS.systemStatus}\` but ${c.unnamed === 1 ? 'its name' : 'their names'} could not be read${c.source === 'interfaces' ? ` (no interface names ${c.unnamed === 1 ? 'it' : 'them'})` : ''}. ` +
        `The bot only enters VDOMs it has seen listed (\`edit NAME\` under \`config vdom\` would create a missing one), so an admin profile that allows \`${COMMANDS.vdList}\` is needed to check ${c.unnamed === 1 ? 'it' : 'them'}.`,
    );
  }
  return parts.join(' ');
}

/** A short tag for headlines and one-liners: `partial: 2 of 3 VDOMs checked`. */
export function partialTag(c: PartialCoverage): string {
  return `partial: ${c.checked.length}${c.total !== undefined ? ` of ${c.total}` : ''} VDOM${(c.total ?? c.checked.length) === 1 ? '' : 's'} checked`;
}
