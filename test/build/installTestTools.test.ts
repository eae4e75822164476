/**
 * scripts/install-test-tools.sh (npm test's pretest, and .ci/run): on a machine without tshark, sngrep and
 * redis-server it installs them with apt-get, or says how to. Run here against a PATH of stand-ins: a recording
 * apt-get, an `id` that says root or not, and the tools present or absent.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'install-test-tools.sh');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function machine(opts: { uid: number; tools?: string[]; aptGet?: boolean; sudo?: boolean }) {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'sip-check-tools-'));
  dirs.push(bin);
  const log = path.join(bin, 'calls.log');
  const exe = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  exe('id', `echo ${opts.uid}`);
  symlinkSync('/usr/bin/env', path.join(bin, 'env'));
  if (opts.aptGet !== false) exe('apt-get', `echo "apt-get $*" >> ${log}`);
  exe('true', 'exit 0');
  if (opts.sudo) exe('sudo', `echo "sudo $*" >> ${log}; [ "$1" = -n ] && shift; exec "$@"`);
  for (const tool of opts.tools ?? []) exe(tool, 'exit 0');
  const run = (env: Record<string, string> = {}) => {
    const r = spawnSync('/bin/sh', [SCRIPT], { env: { PATH: bin, ...env }, encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr, calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [] };
  };
  return { run };
}

describe('install-test-tools.sh', () => {
  it('does nothing when tshark, sngrep and redis-server are there', () => {
    expect(machine({ uid: 0, tools: ['tshark', 'sngrep', 'redis-server'] }).run()).toEqual({ status: 0, stderr: '', calls: [] });
  });

  it('as root, installs exactly the missing ones with apt-get', () => {
    const r = machine({ uid: 0, tools: ['sngrep'] }).run();
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(['apt-get update -qq', 'apt-get install -y -qq --no-install-recommends tshark redis-server']);
    expect(r.stderr).toMatch(/installing tshark redis-server with apt-get/);
  });

  it('uses password-less sudo when not root', () => {
    const r = machine({ uid: 1000, sudo: true }).run();
    expect(r.status).toBe(0);
    expect(r.calls).toContain('apt-get install -y -qq --no-install-recommends tshark sngrep redis-server');
    expect(r.calls.filter((c) => c.startsWith('sudo -n '))).toHaveLength(3);
  });

  it('without root or sudo, names the packages and the command, and stops before jest (exit 1)', () => {
    const r = machine({ uid: 1000, tools: ['tshark'] }).run();
    expect(r.status).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.stderr).toContain('missing: sngrep redis-server. Installing needs root or password-less sudo; run:');
    expect(r.stderr).toContain('sudo apt-get install -y --no-install-recommends sngrep redis-server');
  });

  it('without apt-get, says which packages to install', () => {
    const r = machine({ uid: 0, aptGet: false, tools: ['tshark', 'sngrep'] }).run();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing: redis-server, and this machine has no apt-get/);
  });

  it('honours SIP_CHECK_TEST_REDIS_SERVER and SIP_CHECK_SKIP_TOOL_CHECK', () => {
    const m = machine({ uid: 1000, tools: ['tshark', 'sngrep', 'my-redis'] });
    expect(m.run({ SIP_CHECK_TEST_REDIS_SERVER: 'my-redis' }).status).toBe(0);
    expect(m.run().status).toBe(1);
    expect(m.run({ SIP_CHECK_SKIP_TOOL_CHECK: '1' })).toEqual({ status: 0, stderr: '', calls: [] });
  });
});
