import { TAG_NAME } from '../config/patterns';
import { CheckError } from '../errors';
import type { SweepScope } from './types';

/**
 * The fleet words of `/sip-check`: `all`, `tag=NAME`, `watch`. Checked before the single-check grammar
 * (`all` and `watch` are reserved firewall names; `tag=` cannot start a firewall name). Anything else is not ours.
 */
export type FleetCommand = { kind: 'sweep'; scope: SweepScope } | { kind: 'watch' } | { kind: 'error'; error: CheckError };

export const FLEET_USAGE = [
  '  /sip-check all          every firewall you may check: who handles SIP, in one table',
  '  /sip-check tag=NAME     the same for the firewalls tagged NAME in the inventory',
  '  /sip-check watch        the drift watch: schedule, last run, next run',
].join('\n');

/** The fleet part of `/sip-check help`, in Slack and the terminal alike: said once, indented as the options are. */
export const FLEET_HELP = `Fleet (config reads only, no debug):\n${FLEET_USAGE}`;

export function parseFleetCommand(text: string): FleetCommand | undefined {
  const words = text.trim().split(/ +/).filter(Boolean);
  if (words.length === 0) return undefined;
  const first = words[0];
  const lower = first.toLowerCase();
  const refuse = (problem: string): FleetCommand => ({ kind: 'error', error: new CheckError('usage', `${problem}\n${FLEET_USAGE}`) });
  if (lower === 'all' || lower === 'watch') {
    if (words.length > 1) return refuse(`\`${lower}\` takes no options.`);
    return lower === 'all' ? { kind: 'sweep', scope: { kind: 'all' } } : { kind: 'watch' };
  }
  if (lower.startsWith('tag=')) {
    const tag = first.slice(4);
    if (!TAG_NAME.test(tag)) return refuse('`tag=` needs a tag name: lower-case letters, digits, "_", "-", at most 32 characters (e.g. `tag=emea`).');
    if (words.length > 1) return refuse('`tag=NAME` takes no other options.');
    return { kind: 'sweep', scope: { kind: 'tag', tag } };
  }
  return undefined;
}
