import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { consoleChangeRestriction, runConsole } from '../../src/adapters/console/repl';
import { AuditLog } from '../../src/check/audit';
import { FirewallLocks } from '../../src/check/locks';
import { createCheckService } from '../../src/check/service';
import { FileChangeJournal } from '../../src/change/journal';
import { createChangeService } from '../../src/change/service';
import type { FirewallEntry } from '../../src/config/types';
import { RateLimiter } from '../../src/check/rateLimit';
import { openerFor, PASSWORD_ENV, startFirewall, testLimits, TEST_PASSWORD, type SimulatedFirewall } from '../support/harness';

/** Issue 24 §5: the terminal offers the same flow; a second console user approves. Real service, real simulator. */

const WRITE_ENV = 'SIP_CHECK_TEST_WRITE_PASSWORD';
const WRITE_PASSWORD = 'Wr1te-Acc0unt-Pa55!';

let fw: SimulatedFirewall;
let dir: string;

beforeEach(async () => {
  fw = await startFirewall();
  (fw.sim as unknown as { users: Array<{ username: string; password?: string; keys: unknown[] }> }).users.push({ username: 'sipcheck-rw', password: WRITE_PASSWORD, keys: [] });
  dir = mkdtempSync(join(tmpdir(), 'sip-console-change-'));
});
afterEach(async () => {
  await fw.sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(read: () => string, re: RegExp, ms = 20_000): Promise<RegExpExecArray> {
  const start = Date.now();
  for (;;) {
    const m = re.exec(read());
    if (m) return m;
    if (Date.now() - start > ms) throw new Error(`timeout waiting for ${re}:\n${read().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A terminal on the real check and change services, against the simulated fw01 whose entry allows changes. */
function terminal(opts: { demo?: boolean; restrict?: typeof consoleChangeRestriction } = {}) {
  const entry: FirewallEntry = {
    ...fw.entry,
    ...(opts.demo ? { demo: true } : {}),
    allow: { users: ['U0CONSOLE1'], userGroups: [], channels: [] },
    remediation: { username: 'sipcheck-rw', auth: { type: 'password', passwordEnv: WRITE_ENV }, approvers: { users: ['U0APPROVER'], userGroups: [] } },
  };
  const env = { [PASSWORD_ENV]: TEST_PASSWORD, [WRITE_ENV]: WRITE_PASSWORD };
  const limits = testLimits();
  const locks = new FirewallLocks();
  const audit = new AuditLog(join(dir, 'audit.log'), { secrets: [TEST_PASSWORD, WRITE_PASSWORD] });
  const inventory = { source: 'test', firewalls: [entry] };
  const openSession = openerFor({ ...fw, env }, limits);
  const service = createCheckService({ inventory, limits, openSession, journal: { begin: () => undefined, finish: () => undefined }, audit, rateLimiter: new RateLimiter({ count: 100, windowSeconds: 60 }), locks, maxConcurrent: 2, log: () => undefined });
  const changes = createChangeService({ inventory, env, limits, openSession, locks, journal: new FileChangeJournal(join(dir, 'changes.json')), audit, checks: service, ...(opts.restrict ? { restrict: opts.restrict } : {}) });
  const input = new PassThrough();
  const output = new PassThrough();
  const t = { text: '', input, changes, done: Promise.resolve() };
  output.on('data', (c: Buffer) => (t.text += c.toString()));
  t.done = runConsole({ input, output, service, attachmentsDir: dir, tty: false, userId: 'U0CONSOLE1', changes, approverId: 'U0APPROVER' });
  return t;
}

it('check → propose 1 → approve as the console approver: applied and verified, on the terminal', async () => {
  const t = terminal();
  const { input } = t;
  input.write('/sip-check fw01 seconds=1\n');
  await until(() => t.text, /Option 1: SIP → SIP session helper/);
  await until(() => t.text, /Capture|capture/);
  input.write('/sip-check propose 1\n');
  const id = (await until(() => t.text, /approve (chg-[a-f0-9]{8})`/))[1];
  expect(t.text).toContain('set default-voip-alg-mode kernel-helper-based');
  input.write(`/sip-check approve ${id}\n`);
  await until(() => t.text, /\[(done|rollback|stopped|refused|interrupted)\]/);
  input.end();
  await t.done;
  expect(t.text).toMatch(/\[done\] Verified: a config-only check now gives the SIP session helper/);
  expect(t.text).toMatch(/backup saved: .*fw01-chg-[a-f0-9]{8}-backup\.conf/);
  expect(fw.sim.state.configWrites.map((w) => w.path)).toEqual(['system settings', 'firewall policy']);
  const log = readFileSync(join(dir, 'audit.log'), 'utf8');
  expect(log).toMatch(/"userId":"U0APPROVER","firewall":"fw01","outcome":"approved","action":"approve"/);
  expect(log).not.toContain(WRITE_PASSWORD);
}, 60_000);

it('the terminal changes only the built-in fw-demo: a real firewall is refused with the reason, and nothing is written', async () => {
  const t = terminal({ restrict: consoleChangeRestriction });
  expect(t.changes.allows('fw01')).toBe(false);
  t.input.write('/sip-check fw01 seconds=1\n');
  await until(() => t.text, /Option 1: SIP → SIP session helper/);
  await until(() => t.text, /Capture|capture/);
  t.input.write('/sip-check propose 1\n');
  await until(() => t.text, /✘ From the terminal only the built-in simulated fw-demo can be changed: one keyboard holds both keys\. Propose the change of fw01 from Slack/);
  t.input.end();
  await t.done;
  expect(t.text).not.toMatch(/Proposed change chg-/);
  expect(fw.sim.state.configWrites).toEqual([]);
}, 60_000);

it('the same restriction lets the demo firewall through: its change is proposed', async () => {
  const t = terminal({ demo: true, restrict: consoleChangeRestriction });
  expect(t.changes.allows('fw01')).toBe(true);
  t.input.write('/sip-check fw01 seconds=1\n');
  await until(() => t.text, /Option 1: SIP → SIP session helper/);
  await until(() => t.text, /Capture|capture/);
  t.input.write('/sip-check propose 1\n');
  await until(() => t.text, /Proposed change chg-[a-f0-9]{8}/);
  t.input.end();
  await t.done;
}, 60_000);
