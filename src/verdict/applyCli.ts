import { DEFAULTS } from '../fortios/cli';
import { tokenizeConfigLine } from '../fortios/configParser';
import type { Facts, PolicyFacts, VdomFacts, VoipProfileFacts } from './facts';
import type { SessionHelperEntry } from './types';

/**
 * FortiOS configuration lines applied to the verdict's config model (pure): what the config would be after an
 * admin typed them. It understands exactly the blocks a SIP remediation touches (`system settings`,
 * `system session-helper`, `firewall policy`, `voip profile` / `config sip`, wrapped in `config vdom` / `edit X`
 * or `config global` on multi-VDOM units) and refuses every other line, so a remediation that this model cannot
 * follow is never proven by accident. Used to prove each remediation option (decide again after it) and by the
 * change engine to know what an approved change should leave behind.
 */

export interface ApplyError {
  /** 0-based index of the refused line. */
  index: number;
  line: string;
  reason: string;
}

export type ApplyResult = { ok: true; facts: Facts } | { ok: false; error: ApplyError };

type Block = 'settings' | 'helpers' | 'policies' | 'profiles' | 'sip';

interface Frame {
  kind: 'vdom-picker' | 'vdom' | 'global' | 'block' | 'edit';
  block?: Block;
  /** For `edit` frames: the entry key. */
  key?: string;
}

const BLOCKS: Record<string, Block> = {
  'system settings': 'settings',
  'system session-helper': 'helpers',
  'firewall policy': 'policies',
  'voip profile': 'profiles',
};

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** The VDOM the lines act on: the `edit X` of `config vdom`, or `root` on a single-VDOM unit. */
function vdomOf(facts: Facts, stack: Frame[]): string | null {
  const frame = stack.find((f) => f.kind === 'vdom');
  if (frame) return frame.key ?? null;
  return facts.multiVdom ? null : 'root';
}

function ports(values: string[]): number[] | null {
  const out = values.map(Number);
  return out.length && out.every((n) => Number.isInteger(n) && n > 0 && n < 65536) ? out : null;
}

export function applyCliLines(input: Facts, lines: readonly string[]): ApplyResult {
  const facts = clone(input);
  const stack: Frame[] = [];
  const top = () => stack[stack.length - 1] as Frame | undefined;
  const inGlobal = () => !facts.multiVdom || stack.some((f) => f.kind === 'global');

  const vdomFacts = (): VdomFacts | undefined => {
    const name = vdomOf(facts, stack);
    if (name === null) return undefined;
    let v = facts.vdoms.find((x) => x.name === name);
    if (!v) {
      v = { name, evidence: { proxyStats: [], flow: { helperRuns: [], expectationHits: [] }, captureLines: 0 } };
      facts.vdoms.push(v);
    }
    return v;
  };
  const policy = (v: VdomFacts, key: string): PolicyFacts | undefined => v.policies?.find((p) => String(p.id) === key);
  const profile = (v: VdomFacts, key: string): VoipProfileFacts | undefined => v.voipProfiles?.[key];
  const helper = (key: string): SessionHelperEntry | undefined => facts.sessionHelpers?.find((h) => String(h.id) === key);

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const fail = (reason: string): ApplyResult => ({ ok: false, error: { index, line, reason } });
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const words = tokenizeConfigLine(trimmed);
    const [verb, arg] = words;
    const frame = top();

    if (verb === 'end') {
      if (!frame) return fail('`end` outside any block');
      if (frame.kind === 'edit') stack.pop(); // `end` closes an open `edit` too, as on the CLI
      const closing = top();
      if (!closing || closing.kind === 'edit') return fail('`end` without an open block');
      stack.pop();
      // `config vdom` / `edit X` closes with one `end` that leaves both.
      if (closing.kind === 'vdom' && top()?.kind === 'vdom-picker') stack.pop();
      continue;
    }
    if (verb === 'next') {
      if (frame?.kind !== 'edit') return fail('`next` outside an `edit`');
      stack.pop();
      continue;
    }
    if (verb === 'config') {
      const path = words.slice(1).join(' ');
      if (!frame && path === 'vdom' && facts.multiVdom) {
        stack.push({ kind: 'vdom-picker' });
        continue;
      }
      if (!frame && path === 'global' && facts.multiVdom) {
        stack.push({ kind: 'global' });
        continue;
      }
      if (frame?.kind === 'edit' && frame.block === 'profiles' && path === 'sip') {
        stack.push({ kind: 'block', block: 'sip', key: frame.key });
        continue;
      }
      const block = BLOCKS[path];
      if (!block || (frame && frame.kind !== 'vdom' && frame.kind !== 'global')) return fail(`\`config ${path}\` is not a block this model follows here`);
      if (block === 'helpers' ? !inGlobal() : vdomOf(facts, stack) === null || stack.some((f) => f.kind === 'global')) {
        return fail(block === 'helpers' ? 'the session-helper table is global: `config global` first' : 'a VDOM block needs `config vdom` / `edit VDOM` first');
      }
      stack.push({ kind: 'block', block });
      continue;
    }
    if (verb === 'edit') {
      if (!arg) return fail('`edit` without a key');
      if (frame?.kind === 'vdom-picker') {
        stack.push({ kind: 'vdom', key: arg });
        continue;
      }
      if (frame?.kind !== 'block' || frame.block === 'settings' || frame.block === 'sip') return fail('`edit` outside a table');
      const v = vdomFacts();
      if (frame.block === 'policies') {
        if (!v?.policies || !policy(v, arg)) return fail(`policy ${arg} is not in the configuration read`);
      } else if (frame.block === 'profiles') {
        if (!v?.voipProfiles || !profile(v, arg)) return fail(`VoIP profile "${arg}" is not in the configuration read`);
      } else if (frame.block === 'helpers') {
        const id = Number(arg);
        if (!Number.isInteger(id) || id < 1) return fail(`session-helper id ${arg} is not a number`);
        facts.sessionHelpers ??= [];
        if (!helper(arg)) facts.sessionHelpers.push({ id, name: '', protocol: 0, port: 0 });
      }
      stack.push({ kind: 'edit', block: frame.block, key: arg });
      continue;
    }
    if (verb === 'delete') {
      if (frame?.kind !== 'block' || frame.block !== 'helpers' || !arg) return fail('only session-helper entries can be deleted here');
      if (!helper(arg)) return fail(`session-helper entry ${arg} does not exist`);
      facts.sessionHelpers = (facts.sessionHelpers ?? []).filter((h) => String(h.id) !== arg);
      continue;
    }
    if (verb !== 'set' && verb !== 'unset') return fail(`\`${verb}\` is not a configuration line this model follows`);
    if (!arg) return fail(`\`${verb}\` without a setting`);
    const values = words.slice(2);
    if (verb === 'set' && !values.length) return fail(`\`set ${arg}\` without a value`);
    const v = vdomFacts();
    const block = frame?.block;

    if (frame?.kind === 'block' && block === 'settings' && v) {
      const s = (v.settings ??= {
        defaultVoipAlgMode: DEFAULTS.defaultVoipAlgMode, defaultVoipAlgModeShown: false, sipTcpPorts: [DEFAULTS.sipTcpPort], sipUdpPorts: [DEFAULTS.sipUdpPort], sipSslPorts: [DEFAULTS.sipSslPort], ngfwMode: 'profile-based', source: 'applied',
      });
      if (arg === 'default-voip-alg-mode') {
        const mode = verb === 'set' ? values[0] : DEFAULTS.defaultVoipAlgMode;
        if (mode !== 'proxy-based' && mode !== 'kernel-helper-based') return fail(`default-voip-alg-mode ${mode} is not a FortiOS value`);
        s.defaultVoipAlgMode = mode;
        s.defaultVoipAlgModeShown = verb === 'set';
        continue;
      }
      const portKey = ({ 'sip-udp-port': 'sipUdpPorts', 'sip-tcp-port': 'sipTcpPorts', 'sip-ssl-port': 'sipSslPorts' } as const)[arg as 'sip-udp-port'];
      if (portKey) {
        const defaults = { sipUdpPorts: DEFAULTS.sipUdpPort, sipTcpPorts: DEFAULTS.sipTcpPort, sipSslPorts: DEFAULTS.sipSslPort }[portKey];
        const parsed = verb === 'set' ? ports(values) : [defaults];
        if (!parsed) return fail(`\`${arg}\` needs port numbers`);
        s[portKey] = parsed;
        continue;
      }
      return fail(`\`${arg}\` is not a setting this model follows`);
    }
    if (frame?.kind === 'edit' && block === 'helpers') {
      const h = helper(frame.key as string) as SessionHelperEntry;
      if (verb === 'unset') return fail('session-helper settings are set, not unset');
      if (arg === 'name') h.name = values[0];
      else if (arg === 'protocol' || arg === 'port') {
        const n = Number(values[0]);
        if (!Number.isInteger(n) || n < 0 || n > 65535) return fail(`\`${arg}\` needs a number`);
        h[arg] = n;
      } else return fail(`\`${arg}\` is not a session-helper setting this model follows`);
      continue;
    }
    if (frame?.kind === 'edit' && block === 'policies' && v) {
      const p = policy(v, frame.key as string) as PolicyFacts;
      if (arg === 'voip-profile') {
        if (verb === 'set') {
          if (!v.voipProfiles?.[values[0]]) return fail(`VoIP profile "${values[0]}" is not in the configuration read`);
          p.voipProfile = values[0];
        } else delete p.voipProfile;
      } else if (arg === 'inspection-mode') {
        if (verb === 'set' && values[0] !== 'flow' && values[0] !== 'proxy') return fail(`inspection-mode ${values[0]} is not a FortiOS value`);
        p.inspectionMode = verb === 'set' ? values[0] : 'flow';
      } else if (arg === 'ips-voip-filter') {
        if (verb === 'set') p.ipsVoipFilter = values[0];
        else delete p.ipsVoipFilter;
      } else if (arg === 'utm-status') {
        if (verb === 'set') p.utmStatus = values[0];
        else delete p.utmStatus;
      } else return fail(`\`${arg}\` is not a policy setting this model follows`);
      continue;
    }
    if (frame?.kind === 'edit' && block === 'profiles' && v) {
      const prof = profile(v, frame.key as string) as VoipProfileFacts;
      if (arg !== 'feature-set') return fail(`\`${arg}\` is not a VoIP profile setting this model follows`);
      if (verb === 'set') prof.featureSet = values[0];
      else delete prof.featureSet;
      continue;
    }
    if (frame?.kind === 'block' && block === 'sip' && v) {
      const prof = profile(v, frame.key as string) as VoipProfileFacts;
      if (arg !== 'status') return fail(`\`${arg}\` is not a \`config sip\` setting this model follows`);
      const status = verb === 'set' ? values[0] : 'enable';
      if (status !== 'enable' && status !== 'disable') return fail(`status ${status} is not a FortiOS value`);
      prof.sipStatus = status;
      continue;
    }
    return fail(`\`${verb} ${arg}\` is not inside a block this model follows`);
  }
  if (stack.length) return { ok: false, error: { index: lines.length, line: '', reason: 'a block is left open (missing `end`)' } };
  return { ok: true, facts };
}

/** The config part of the facts only: what a config-only check would decide from (the port under test is kept). */
export function configOnly(input: Facts): Facts {
  const facts = clone(input);
  for (const v of facts.vdoms) {
    const port = v.evidence.filterPort;
    v.evidence = { proxyStats: [], flow: { helperRuns: [], expectationHits: [] }, captureLines: 0 };
    if (port !== undefined) v.evidence.filterPort = port;
  }
  return facts;
}
