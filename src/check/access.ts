import type { FirewallEntry, Inventory } from '../config/types';
import { CheckError } from '../errors';
import type { Requester } from './types';

/**
 * Who may check which firewall. Semantics, per firewall (`allow` in the inventory):
 * - a request is granted when ANY one of these matches: the requester's user ID is in `users`, one of the
 *   requester's user-group IDs is in `user_groups`, or the channel the command was typed in is in `channels`
 *   (a channel grant lets everyone in that channel check the firewall: use it for the network team's channel);
 * - no rule at all means nobody (deny by default; a malformed inventory never loads, so it fails closed);
 * - matching is by Slack IDs only, never display names;
 * - the console adapter's built-in demo entry (`demo: true`) is usable from the console adapter only;
 * - users of another workspace (Slack Connect shared channels) are never granted, whatever the channel grants.
 * A firewall that does not exist and one the requester may not use get the same answer
 * (`unknown-firewall`, listing only what the requester may use), so names are not revealed.
 */
export type AuthorizeResult = { ok: true } | { ok: false; error: CheckError };

export function isAllowed(entry: FirewallEntry, requester: Requester): boolean {
  if (entry.demo === true) return requester.adapter === 'console';
  if (requester.externalUser) return false;
  const { users, userGroups, channels } = entry.allow;
  if (users.includes(requester.userId)) return true;
  if ((requester.userGroups ?? []).some((group) => userGroups.includes(group))) return true;
  return channels.includes(requester.channelId);
}

/** Names of the firewalls this requester may check, in inventory order (for help and error messages). */
export function allowedFirewalls(inventory: Inventory, requester: Requester): string[] {
  return inventory.firewalls.filter((entry) => isAllowed(entry, requester)).map((entry) => entry.name);
}

/** The one reply for "no such firewall" and "not yours": identical text for both. */
export function unknownFirewallError(name: string, visible: readonly string[]): CheckError {
  const list = visible.length > 0 ? `Firewalls you may check here: ${visible.join(', ')}.` : 'You may not check any firewall from here.';
  const near = closestName(name, visible);
  const hint = near === undefined ? '' : near.toLowerCase() === name.toLowerCase() ? `Did you mean \`${near}\`? (names are case-sensitive) ` : `Did you mean \`${near}\`? `;
  return new CheckError('unknown-firewall', `Unknown firewall \`${name}\`. ${hint}${list}`, { firewall: name });
}

/**
 * The name the user most likely meant, among the names they may use only (a suggestion never reveals a firewall):
 * the same name in other case, else the single nearest by edit distance when it is at most 2 and the names are
 * not both short (`fw1` and `fw2` are different firewalls, not typos of each other).
 */
export function closestName(name: string, visible: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameCase = visible.find((v) => v.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  if (name.length < 5) return undefined;
  const LIMIT = 3;
  let best: string | undefined;
  let bestDistance = LIMIT;
  let tie = false;
  for (const candidate of visible) {
    const d = editDistance(lower, candidate.toLowerCase(), LIMIT);
    if (d >= LIMIT) continue;
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) tie = true;
  }
  return best !== undefined && !tie ? best : undefined;
}

/** Levenshtein distance, giving up (returning `limit`) once every path is at least `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, row[j]);
    }
    if (rowMin >= limit) return limit;
    prev = row;
  }
  return Math.min(prev[b.length], limit);
}

/**
 * `entry` is the inventory entry of the requested name (undefined when there is none); `visible` lists the
 * names the requester may use (from `allowedFirewalls`), shown in the refusal. The name shown for a missing
 * entry is `requestedName` (already validated by `parseCheckCommand`).
 */
export function authorize(entry: FirewallEntry | undefined, requester: Requester, visible: readonly string[] = [], requestedName?: string): AuthorizeResult {
  if (entry !== undefined && isAllowed(entry, requester)) return { ok: true };
  return { ok: false, error: unknownFirewallError(entry?.name ?? requestedName ?? '?', visible) };
}

/** Lookup and authorization in one step: what the check service calls. Names match exactly. */
export function authorizeByName(
  inventory: Inventory,
  firewall: string,
  requester: Requester,
): { ok: true; entry: FirewallEntry } | { ok: false; error: CheckError } {
  const entry = inventory.firewalls.find((candidate) => candidate.name === firewall);
  const visible = allowedFirewalls(inventory, requester);
  const result = authorize(entry, requester, visible, firewall);
  if (!result.ok) return result;
  return entry !== undefined ? { ok: true, entry } : { ok: false, error: unknownFirewallError(firewall, visible) };
}
