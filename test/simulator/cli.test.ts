import { parseArgs, DEMO_SCENARIO } from '../../src/simulator/cli';
import { loadScenario } from '../../src/simulator';

describe('simulator cli arguments', () => {
  it('defaults to the demo scenario on loopback with admin/admin', () => {
    expect(parseArgs([])).toEqual({ scenario: DEMO_SCENARIO, host: '127.0.0.1', port: 0, user: 'admin', password: 'admin', latencyMs: 0 });
    expect(loadScenario(DEMO_SCENARIO).hostname).toBe('FGT-DEMO');
  });

  it('reads the documented options', () => {
    expect(parseArgs(['--scenario', 'x.txt', '--port', '2222', '--user', 'ops', '--password', 's3cret', '--latency-ms', '20', '--max-admins', '2'])).toEqual({
      scenario: 'x.txt',
      host: '127.0.0.1',
      port: 2222,
      user: 'ops',
      password: 's3cret',
      latencyMs: 20,
      maxAdmins: 2,
    });
    // Key-only login: no default password.
    expect(parseArgs(['--authorized-keys', 'keys']).password).toBeUndefined();
  });

  it('refuses unknown options and bad numbers', () => {
    expect(() => parseArgs(['--prot', '22'])).toThrow(/unknown option --prot/);
    expect(() => parseArgs(['--port', 'ssh'])).toThrow(/--port must be a non-negative integer/);
    expect(() => parseArgs(['--port'])).toThrow(/--port needs a value/);
  });
});
