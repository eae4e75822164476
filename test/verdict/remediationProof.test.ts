import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TranscriptReader } from '../../src/fortios/transcript';
import { applyCliLines, configOnly } from '../../src/verdict/applyCli';
import { decide, readFacts } from '../../src/verdict/index';
import type { Facts } from '../../src/verdict/facts';

/**
 * Issue 20 §2: every remediation option is proven. For every fixture with a verdict (the verdict and transcript
 * fixtures, the simulator's scenarios), each option's commands are applied to the parsed configuration (the
 * verdict's own config model) and the verdict is decided again from config alone: the VDOM's handler must be the
 * one the option promises. No two options carry the same commands, and none clears sessions.
 */

const ROOT = join(__dirname, '..', '..');
const SOURCES = [
  join(ROOT, 'test', 'fixtures', 'verdict'),
  join(ROOT, 'test', 'fixtures', 'transcripts'),
  join(ROOT, 'test', 'fixtures', 'scenarios'),
  join(ROOT, 'src', 'simulator', 'scenarios'),
];

/** Scenario files carry YAML front matter between `---` lines; the transcript follows. */
function body(text: string): string {
  const m = /^---\r?\n[\s\S]*?\r?\n---\r?\n/.exec(text);
  return m ? text.slice(m[0].length) : text;
}

function factsOf(path: string): Facts {
  const reader = new TranscriptReader();
  for (const line of body(readFileSync(path, 'utf8')).split('\n')) reader.pushLine(line);
  return readFacts(reader.end());
}

const FILES = SOURCES.flatMap((dir) => readdirSync(dir).filter((f) => /\.(txt|log|conf)$/.test(f)).map((f) => join(dir, f)));
const CASES = FILES.map((path) => ({ name: path.slice(ROOT.length + 1), facts: factsOf(path) }))
  .map((c) => ({ ...c, verdict: decide(c.facts) }))
  .filter((c) => c.verdict.handler !== 'unknown' || c.verdict.remediation.length > 0);

describe('remediation options lead where they say', () => {
  it('is not vacuous: many fixtures, many options, every target handler', () => {
    const options = CASES.flatMap((c) => c.verdict.remediation);
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    expect(options.length).toBeGreaterThanOrEqual(30);
    expect(new Set(options.map((o) => o.leadsTo))).toEqual(new Set(['sip-alg', 'session-helper', 'none']));
  });

  describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('each option, applied to the config, gives the handler it promises', () => {
      for (const o of c.verdict.remediation) {
        const applied = applyCliLines(configOnly(c.facts), o.commands);
        if (!applied.ok) throw new Error(`${o.title}: ${applied.error.reason} at "${applied.error.line}"`);
        const after = decide(applied.facts).vdoms.find((v) => v.name === o.vdom);
        expect({ title: o.title, handler: after?.handler }).toEqual({ title: o.title, handler: o.leadsTo });
      }
    });

    it('options are distinct, state scope and side effects, and never clear sessions', () => {
      const seen = new Set<string>();
      for (const o of c.verdict.remediation) {
        const key = o.commands.join('\n');
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        expect(o.commands.some((l) => /diagnose|execute/.test(l))).toBe(false);
        expect(o.sideEffects.length).toBeGreaterThan(0);
        expect(o.title).toMatch(c.facts.multiVdom ? /VDOM \S+|global/ : /this firewall|global/);
        const touchesGlobal = o.commands.some((l) => /config system session-helper/.test(l));
        expect(o.scope === 'global' || o.scope === 'vdom-and-global').toBe(touchesGlobal);
        if (o.commands.some((l) => /^\s*delete \d+/.test(l))) expect(o.sideEffects.join(' ')).toMatch(c.facts.multiVdom ? /affects every VDOM/ : /affects the whole firewall/);
      }
      for (const s of c.verdict.clearSessions) {
        expect(s.commands.filter((l) => l.startsWith('diagnose'))).toEqual(['diagnose sys session filter clear', expect.stringMatching(/^diagnose sys session filter dport \d+$/), 'diagnose sys session clear']);
        expect(s.sideEffects.join(' ')).toMatch(/Drops every call in progress/);
      }
    });
  });
});

describe('applyCliLines: the config model follows only what it understands', () => {
  const facts = factsOf(join(ROOT, 'test', 'fixtures', 'verdict', 'r3-default-show.txt'));
  const multi = factsOf(join(ROOT, 'test', 'fixtures', 'verdict', 'multi-vdom.txt'));

  it('changes the mode and the helper table', () => {
    const r = applyCliLines(facts, ['config system settings', '    set default-voip-alg-mode kernel-helper-based', 'end', 'config system session-helper', '    delete 13', 'end']);
    expect(r.ok && r.facts.vdoms[0].settings?.defaultVoipAlgMode).toBe('kernel-helper-based');
    expect(r.ok && r.facts.sessionHelpers?.some((h) => h.name === 'sip')).toBe(false);
    // The input is left as it was.
    expect(facts.vdoms[0].settings?.defaultVoipAlgMode).toBe('proxy-based');
  });

  it.each([
    [['config system admin', 'edit x', 'set password y', 'next', 'end'], 'not a block this model follows'],
    [['execute reboot'], 'not a configuration line'],
    [['config firewall policy', '    edit 999', '        unset voip-profile', '    next', 'end'], 'policy 999 is not in the configuration read'],
    [['config system settings', '    set default-voip-alg-mode bogus', 'end'], 'not a FortiOS value'],
    [['config system session-helper', '    delete 77', 'end'], 'does not exist'],
    [['config system settings', '    set default-voip-alg-mode proxy-based'], 'missing `end`'],
  ])('refuses %j', (lines, reason) => {
    const r = applyCliLines(facts, lines);
    expect(r.ok ? 'applied' : r.error.reason).toContain(reason);
  });

  it('multi-VDOM: VDOM blocks need `config vdom`, the helper table needs `config global`', () => {
    expect(applyCliLines(multi, ['config system settings', 'set default-voip-alg-mode proxy-based', 'end'])).toMatchObject({ ok: false });
    expect(applyCliLines(multi, ['config vdom', 'edit voice', 'config system session-helper', 'delete 13', 'end', 'end'])).toMatchObject({ ok: false });
    const r = applyCliLines(multi, ['config vdom', 'edit voice', 'config system settings', 'set default-voip-alg-mode proxy-based', 'end', 'end', 'config global', 'config system session-helper', 'delete 13', 'end', 'end']);
    expect(r.ok && r.facts.vdoms.find((v) => v.name === 'voice')?.settings?.defaultVoipAlgMode).toBe('proxy-based');
    expect(r.ok && r.facts.vdoms.find((v) => v.name === 'root')?.settings?.defaultVoipAlgMode).toBe(multi.vdoms.find((v) => v.name === 'root')?.settings?.defaultVoipAlgMode);
  });

  it('pasting every option of an ALG unit as one block (the old single snippet) does not give the helper', () => {
    const v = decide(facts);
    const toHelper = v.remediation.find((o) => o.leadsTo === 'session-helper');
    const all = v.remediation.flatMap((o) => o.commands);
    const r = applyCliLines(configOnly(facts), all);
    expect(toHelper).toBeDefined();
    expect(r.ok && decide(r.facts).handler).not.toBe('session-helper');
  });
});
