/**
 * The secrets sweep (issue 12, item 4), through the bot's own wiring: src/main.ts `main` in a child process,
 * configuration from the environment and an inventory file, as a user starts it. Once in Slack HTTP mode (the
 * Web API is the local fake) and once in the terminal. Checks that succeed and checks that fail (wrong password,
 * host-key mismatch, timeout, CLI error), then every place the bot wrote is swept for every secret it held:
 * stdout, stderr, the log file, the audit log, the journal, the attachments directory, every Slack API body,
 * response_url post and uploaded file. The sweep first proves it finds a planted canary in each place.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { utils } from 'ssh2';
import { FortiGateSimulator, loadScenario } from '../../src/simulator';
import { BotProcess } from '../support/bot';
import { FakeSlack, signSlackRequest } from '../support/fakeSlack';
import { DEMO_SCENARIO } from '../support/harness';
import { closeReadOnly } from '../support/readOnly';
import { closedPort } from '../fortigate/support/miniSshServer';
import { parseableKeyPair } from '../support/sshKeys';

jest.setTimeout(180_000);

const PASSWORD = 'Pw-7c1d!e9f0a2b3c4d5';
const WRONG_PASSWORD = 'Wrong-Pw-5e6f7a8b9c0d';
const PASSPHRASE = 'Key-Passphrase-0a1b2c3d4e';
const BOT_TOKEN = 'xoxb-1111-2222-secretsweepbot';
const SIGNING_SECRET = 'signing-secret-3f4e5d6c7b8a9f0e';
const USER = 'U0SWEEP01';
const ENTRY = path.join(__dirname, '..', 'support', 'botMain.ts');

/** A secret and the shapes it could leak in: raw, JSON-escaped, URL-encoded, base64. */
function shapesOf(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), Buffer.from(secret).toString('base64').replace(/=+$/, '')])];
}

/** Where each secret (in any shape) appears among the sources. */
function sweep(sources: ReadonlyArray<[string, string]>, secrets: readonly string[]): string[] {
  const hits: string[] = [];
  for (const [where, text] of sources) {
    for (const secret of secrets) {
      for (const shape of shapesOf(secret)) {
        const at = text.indexOf(shape);
        if (at >= 0) hits.push(`${where}: ${JSON.stringify(text.slice(Math.max(0, at - 120), at + shape.length + 20))}`);
      }
    }
  }
  return hits;
}

/** Every file under `dir`, gunzipped when gzip, as latin1 text. */
function filesUnder(dir: string, label: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full, `${label}/${name}`));
    else {
      const bytes = readFileSync(full);
      out.push([`${label}/${name}`, (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('latin1')]);
    }
  }
  return out;
}

describe('no secret the bot holds appears anywhere it writes (main.ts wiring, success and failure paths)', () => {
  let sims: FortiGateSimulator[] = [];
  let fake: FakeSlack;
  let cwd: string;
  let keyLines: string[];
  let inventory: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    cwd = mkdtempSync(path.join(os.tmpdir(), 'sip-check-sweep-'));
    const key = parseableKeyPair(() => utils.generateKeyPairSync('ed25519', { passphrase: PASSPHRASE, cipher: 'aes256-cbc', rounds: 16 }), PASSPHRASE);
    writeFileSync(path.join(cwd, 'fw02.key'), key.private, { mode: 0o600 });
    // The private key file's body lines are secrets too.
    keyLines = key.private.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
    const users = [{ username: 'admin', password: PASSWORD }, { username: 'keyadmin', publicKeys: [key.public] }];
    const demo = new FortiGateSimulator({ scenario: loadScenario(DEMO_SCENARIO), users });
    // Hangs before the policies are read: nothing to answer from, so this stays a timeout failure (issue 11 §3 answers
    // from what was read only once settings and policies are in).
    const hanging = new FortiGateSimulator({ scenario: loadScenario(DEMO_SCENARIO), users, faults: { hangOn: 'show firewall policy' } });
    const readOnlyText = readFileSync(DEMO_SCENARIO, 'utf8').replace(/^---\n([\s\S]*?)\n---\n/, (_m, fm: string) => `---\n${fm.replace(/^adminProfile:.*$/m, '')}\nadminProfile: "$"\n---\n`);
    writeFileSync(path.join(cwd, 'read-only.txt'), readOnlyText);
    const readOnly = new FortiGateSimulator({ scenario: loadScenario(path.join(cwd, 'read-only.txt')), users });
    sims = [demo, hanging, readOnly];
    const [p1, p2, p3] = await Promise.all(sims.map((s) => s.start()));
    const fw = (name: string, port: number, auth: string, hostKey = demo.hostKeyFingerprint) =>
      `  - name: ${name}\n    host: 127.0.0.1\n    port: ${port}\n${auth}    host_key: ${hostKey}\n    allow:\n      users: [${USER}]\n`;
    inventory =
      'firewalls:\n' +
      fw('fw01', p1, '    username: admin\n    password_env: SWEEP_FW_PASSWORD\n') +
      fw('fw02', p1, '    username: keyadmin\n    private_key: fw02.key\n    passphrase_env: SWEEP_KEY_PASSPHRASE\n') +
      fw('fw03', p1, '    username: admin\n    password_env: SWEEP_WRONG_PASSWORD\n') +
      fw('fw04', p1, '    username: admin\n    password_env: SWEEP_FW_PASSWORD\n', 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') +
      fw('fw05', p2, '    username: admin\n    password_env: SWEEP_FW_PASSWORD\n', hanging.hostKeyFingerprint) +
      fw('fw06', p3, '    username: admin\n    password_env: SWEEP_FW_PASSWORD\n', readOnly.hostKeyFingerprint);
    writeFileSync(path.join(cwd, 'inventory.yml'), inventory);
    env = {
      SIP_CHECK_INVENTORY: 'inventory.yml',
      SWEEP_FW_PASSWORD: PASSWORD,
      SWEEP_WRONG_PASSWORD: WRONG_PASSWORD,
      SWEEP_KEY_PASSPHRASE: PASSPHRASE,
      SIP_CHECK_COMMAND_TIMEOUT_MS: '1000',
      SIP_CHECK_RATE_LIMIT: '100/60',
      LOG_LEVEL: 'debug',
    };
    fake = await FakeSlack.start();
  });

  afterEach(() => BotProcess.killAll());
  afterAll(async () => {
    await fake?.close();
    for (const sim of sims) await closeReadOnly(sim);
  });

  const SECRETS = () => [PASSWORD, WRONG_PASSWORD, PASSPHRASE, BOT_TOKEN, SIGNING_SECRET, ...keyLines];
  const CHECKS = ['fw01', 'fw02', 'fw03', 'fw04', 'fw05', 'fw06'];

  test('Slack HTTP mode, then the terminal: the sweep finds a planted canary everywhere, then no secret', async () => {
    // Slack HTTP mode: signed slash commands to the bot's port, the Web API on the fake.
    const port = await closedPort();
    const slackDir = path.join(cwd, 'slack');
    const slackEnv = { ...env, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, PORT: String(port), SIP_CHECK_TEST_SLACK_API_URL: fake.apiUrl, SIP_CHECK_INVENTORY: path.join(cwd, 'inventory.yml') };
    mkdirSync(slackDir, { recursive: true });
    writeFileSync(path.join(slackDir, 'fw02.key'), readFileSync(path.join(cwd, 'fw02.key')), { mode: 0o600 });
    const slackBot = new BotProcess(slackDir, slackEnv, ENTRY);
    await slackBot.waitFor(/running in Slack \(HTTP on port/, 60_000, 'stderr');
    // One at a time: fw01-fw04 are one device (the bot allows one check per device).
    const done = () => fake.parents().filter((p) => /^fw0\d: SIP handled|: failed: /.test(p.edits.at(-1)?.text ?? '')).length;
    for (const [n, name] of CHECKS.entries()) {
      const body = new URLSearchParams({ team_id: 'T0FAKE', channel_id: 'C0SWEEP', user_id: USER, user_name: 'sweeper', command: '/sip-check', text: `${name} seconds=1`, api_app_id: 'A0SIPCHECK', response_url: fake.responseUrl(), trigger_id: '1.2.3' }).toString();
      const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', headers: { ...signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000)), 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(res.status).toBe(200);
      // Every check ends with its parent message edited to the verdict or the failure.
      for (let i = 0; i < 600 && done() <= n; i++) await new Promise((r) => setTimeout(r, 50));
      expect([name, done()]).toEqual([name, n + 1]);
    }
    const finals = fake.parents().map((p) => p.edits.at(-1)?.text ?? '').sort();
    // The failure paths really ran: wrong password, host key, timeout, CLI error.
    expect(finals.join('\n')).toMatch(/fw03[^\n]*failed: [^\n]*(?:authentication|credential|password)/i);
    expect(finals.join('\n')).toMatch(/fw04[^\n]*failed: [^\n]*host key/i);
    expect(finals.join('\n')).toMatch(/fw05[^\n]*failed: [^\n]*no prompt within/);
    expect(finals.join('\n')).toMatch(/fw06[^\n]*failed: [^\n]*Return code -37/);
    // Two verdicts; a failure after the config was read keeps the answer from the configuration, later in its line.
    expect(finals.filter((t) => /^fw0\d: SIP handled/.test(t))).toHaveLength(2);
    slackBot.kill('SIGTERM');
    expect((await slackBot.exited).code).toBe(0);

    // The terminal: the same checks typed on stdin; logs to the log file, attachments to the attachments dir.
    const consoleDir = path.join(cwd, 'console');
    mkdirSync(consoleDir, { recursive: true });
    writeFileSync(path.join(consoleDir, 'fw02.key'), readFileSync(path.join(cwd, 'fw02.key')), { mode: 0o600 });
    const consoleBot = new BotProcess(consoleDir, { ...env, SIP_CHECK_INVENTORY: path.join(cwd, 'inventory.yml'), SIP_CHECK_CONSOLE_USER: USER }, ENTRY);
    await consoleBot.waitFor(/type `\/sip-check help`/);
    const ends = () => (consoleBot.stdout.match(/✘ |^● fw0\d: /gm) ?? []).length;
    for (const name of CHECKS) {
      const before = ends();
      consoleBot.type(`/sip-check ${name} seconds=1`);
      for (let i = 0; i < 600 && ends() === before; i++) await new Promise((r) => setTimeout(r, 50));
      expect(ends()).toBe(before + 1);
    }
    consoleBot.type('quit');
    expect((await consoleBot.exited).code).toBe(0);

    const sources: Array<[string, string]> = [
      ['slack bot stdout', slackBot.stdout],
      ['slack bot stderr (its log)', slackBot.stderr],
      ['slack bot audit log', readFileSync(path.join(slackDir, 'var', 'audit.jsonl'), 'utf8')],
      ['slack bot journal', readFileSync(path.join(slackDir, 'var', 'journal.json'), 'utf8')],
      ...fake.calls().map((c, i): [string, string] => [`Slack API body ${i} (${c.method})`, JSON.stringify(c.body)]),
      ['response_url posts', JSON.stringify(fake.ephemeralResponses())],
      ...fake.uploadedFiles().map((f): [string, string] => [`uploaded ${f.filename}`, (f.filename.endsWith('.gz') ? gunzipSync(f.bytes) : f.bytes).toString('latin1')]),
      ['terminal stdout', consoleBot.stdout],
      ['terminal stderr', consoleBot.stderr],
      ['terminal log file', readFileSync(path.join(consoleDir, 'var', 'sip-check.log'), 'utf8')],
      ['terminal audit log', readFileSync(path.join(consoleDir, 'var', 'audit.jsonl'), 'utf8')],
      ['terminal journal', readFileSync(path.join(consoleDir, 'var', 'journal.json'), 'utf8')],
      ...filesUnder(path.join(consoleDir, 'var', 'attachments'), 'attachments'),
    ];
    // Every source had something to sweep (a Slack-mode bot prints nothing on stdout, a terminal bot nothing on
    // stderr: swept all the same): the logs ran at debug level, both successes attached files.
    const mayBeEmpty = new Set(['slack bot stdout', 'terminal stderr']);
    for (const [where, text] of sources) if (!mayBeEmpty.has(where)) expect([where, text.length > 0]).toEqual([where, true]);
    expect(fake.uploadedFiles().length).toBeGreaterThanOrEqual(8);
    expect(sources.filter(([w]) => w.startsWith('attachments/')).length).toBeGreaterThanOrEqual(8);
    expect(sources.find(([w]) => w === 'terminal log file')?.[1]).toMatch(/"level":"debug"|debug/);

    // The canary: planted in each source (in every shape a leak could take), the sweep finds it there.
    const canary = 'Canary-#%&"=+/9z8y7x';
    for (const [i, [where, text]] of sources.entries()) {
      const planted = shapesOf(canary)[i % shapesOf(canary).length];
      const mid = Math.floor(text.length / 2);
      const hits = sweep([[where, text.slice(0, mid) + planted + text.slice(mid)]], [canary]);
      expect([where, hits.length]).toEqual([where, 1]);
    }

    expect(sweep(sources, SECRETS())).toEqual([]);
  });
});
