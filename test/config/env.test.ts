import { containerStartProblem, loadAppConfig } from '../../src/config/env';
import { ConfigError } from '../../src/config/errors';

const BOT = 'xoxb-1111-2222-secretbotvalue';
const APP = 'xapp-1-A111-3333-secretappvalue';
const SIGNING = '8f14e45fceea167a5a36dedd4bea2543';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadAppConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadAppConfig: Slack mode', () => {
  it('is the console demo without any Slack secret, with every default', () => {
    const config = loadAppConfig({});
    expect(config.mode).toBe('console');
    expect(config.slack).toBeUndefined();
    expect(config.inventoryPath).toBeUndefined();
    expect(config.limits).toEqual({
      defaultSeconds: 20,
      maxSeconds: 300,
      maxBytes: 20 * 1024 * 1024,
      maxLines: 200_000,
      defaultLevel: -1,
      commandTimeoutMs: 15_000,
      checkTimeoutMs: 300_000 + 120_000,
      connectTimeoutMs: 20_000,
      keepaliveMs: 15_000,
      debugIm: false,
    });
    expect(config.maxConcurrent).toBe(10);
    expect(config.workers).toBe(2);
    expect(config.workerQueue).toBe(64);
    expect(config.rateLimit).toEqual({ count: 5, windowSeconds: 600 });
    expect(config.auditPath).toBe('var/audit.jsonl');
    expect(config.journalPath).toBe('var/journal.json');
    expect(config.attachmentsDir).toBe('var/attachments');
    expect(config.logFile).toBe('var/sip-check.log');
    expect(config.redact).toBe('none');
    expect(config.logLevel).toBe('info');
  });

  it('uses Socket Mode with a bot token and an app token', () => {
    const config = loadAppConfig({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SIP_CHECK_INVENTORY: 'inventory.yml' });
    expect(config.mode).toBe('socket');
    expect(config.slack).toEqual({ botToken: BOT, appToken: APP });
    expect(config.inventoryPath).toBe('inventory.yml');
  });

  it('uses HTTP mode with a bot token and a signing secret, PORT defaulting to 3000', () => {
    const config = loadAppConfig({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SIGNING, SIP_CHECK_INVENTORY: 'i.yml' });
    expect(config).toMatchObject({ mode: 'http', slack: { botToken: BOT, signingSecret: SIGNING }, port: 3000 });
    expect(config.slack?.appToken).toBeUndefined();
    expect(loadAppConfig({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SIGNING, SIP_CHECK_INVENTORY: 'i.yml', PORT: '8080' })).toMatchObject({ mode: 'http', port: 8080 });
  });

  it('ignores PORT outside HTTP mode (platforms set it for every process)', () => {
    expect(loadAppConfig({ PORT: 'not-a-port' }).mode).toBe('console');
  });

  it('prefers Socket Mode when both an app token and a signing secret are set, with a warning', () => {
    const config = loadAppConfig({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SLACK_SIGNING_SECRET: SIGNING, SIP_CHECK_INVENTORY: 'i.yml' });
    expect(config.mode).toBe('socket');
    expect(config.slack?.signingSecret).toBeUndefined();
    expect(config.warnings.join('\n')).toMatch(/signing secret is not used/);
  });

  it('treats empty values as unset (a .env copied from .env.example)', () => {
    expect(loadAppConfig({ SLACK_BOT_TOKEN: '', SLACK_APP_TOKEN: ' ', SIP_CHECK_MAX_SECONDS: '' }).mode).toBe('console');
  });

  it.each([
    [{ SLACK_BOT_TOKEN: BOT }, /SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN .* nor SLACK_SIGNING_SECRET/],
    [{ SLACK_APP_TOKEN: APP }, /SLACK_BOT_TOKEN is not set but SLACK_APP_TOKEN is/],
    [{ SLACK_SIGNING_SECRET: SIGNING }, /SLACK_BOT_TOKEN is not set but SLACK_SIGNING_SECRET is/],
  ])('refuses partial Slack config %#, saying what is missing', (env, message) => {
    const problems = problemsOf({ ...env, SIP_CHECK_INVENTORY: 'i.yml' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('requires the inventory in Slack modes only', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP })).toEqual([expect.stringMatching(/^SIP_CHECK_INVENTORY is not set/)]);
    expect(loadAppConfig({ SIP_CHECK_INVENTORY: 'mine.yml' }).inventoryPath).toBe('mine.yml');
  });

  it('refuses tokens of the wrong kind without ever showing their value', () => {
    const swapped = problemsOf({ SLACK_BOT_TOKEN: APP, SLACK_APP_TOKEN: BOT, SIP_CHECK_INVENTORY: 'i.yml' });
    expect(swapped).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN is invalid \(value not shown\): expected a bot token starting with xoxb-/),
      expect.stringMatching(/^SLACK_APP_TOKEN is invalid \(value not shown\): expected an app-level token starting with xapp-/),
    ]);
    const text = swapped.join('\n');
    expect(text).not.toContain('secretbotvalue');
    expect(text).not.toContain('secretappvalue');
    expect(text).not.toContain('1111');
    const quoted = problemsOf({ SLACK_BOT_TOKEN: `"${BOT}"`, SLACK_APP_TOKEN: APP, SIP_CHECK_INVENTORY: 'i.yml' }).join('\n');
    expect(quoted).toMatch(/SLACK_BOT_TOKEN is invalid \(value not shown\)/);
    expect(quoted).not.toContain('secretbotvalue');
    const spaced = problemsOf({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: 'abc def-secretsigning', SIP_CHECK_INVENTORY: 'i.yml' }).join('\n');
    expect(spaced).toMatch(/SLACK_SIGNING_SECRET is invalid/);
    expect(spaced).not.toContain('secretsigning');
  });
});

describe('loadAppConfig: limits and settings', () => {
  it('reads every variable', () => {
    const config = loadAppConfig({
      SIP_CHECK_DEFAULT_SECONDS: '30',
      SIP_CHECK_MAX_SECONDS: '120',
      SIP_CHECK_MAX_BYTES: '1048576',
      SIP_CHECK_MAX_LINES: '5000',
      SIP_CHECK_DEFAULT_LEVEL: '4095',
      SIP_CHECK_COMMAND_TIMEOUT_MS: '5000',
      SIP_CHECK_CONNECT_TIMEOUT_MS: '7000',
      SIP_CHECK_KEEPALIVE_MS: '0',
      SIP_CHECK_DEBUG_IM: 'true',
      SIP_CHECK_MAX_CONCURRENT: '3',
      SIP_CHECK_WORKERS: '0',
      SIP_CHECK_WORKER_QUEUE: '5',
      SIP_CHECK_RATE_LIMIT: '2/60',
      SIP_CHECK_AUDIT_LOG: '/var/log/sip-check/audit.jsonl',
      SIP_CHECK_JOURNAL: '/var/lib/sip-check/journal.json',
      SIP_CHECK_ATTACHMENTS_DIR: '/tmp/sip-check',
      SIP_CHECK_LOG_FILE: '/var/log/sip-check/bot.log',
      SIP_CHECK_REDACT: 'addresses',
      LOG_LEVEL: 'debug',
    });
    expect(config.limits).toEqual({
      defaultSeconds: 30,
      maxSeconds: 120,
      maxBytes: 1048576,
      maxLines: 5000,
      defaultLevel: 4095,
      commandTimeoutMs: 5000,
      // default follows the window: max seconds + 120 s
      checkTimeoutMs: 120_000 + 120_000,
      connectTimeoutMs: 7000,
      keepaliveMs: 0,
      debugIm: true,
    });
    expect(config).toMatchObject({
      maxConcurrent: 3,
      workers: 0,
      workerQueue: 5,
      rateLimit: { count: 2, windowSeconds: 60 },
      auditPath: '/var/log/sip-check/audit.jsonl',
      journalPath: '/var/lib/sip-check/journal.json',
      attachmentsDir: '/tmp/sip-check',
      logFile: '/var/log/sip-check/bot.log',
      redact: 'addresses',
      logLevel: 'debug',
    });
  });

  it.each([
    ['SIP_CHECK_MAX_SECONDS', '301', /SIP_CHECK_MAX_SECONDS="301" is invalid: expected an integer from 1 to 300/],
    ['SIP_CHECK_MAX_SECONDS', '0', /SIP_CHECK_MAX_SECONDS="0" is invalid/],
    ['SIP_CHECK_DEFAULT_SECONDS', '20s', /SIP_CHECK_DEFAULT_SECONDS="20s" is invalid: expected an integer/],
    ['SIP_CHECK_MAX_BYTES', '20MiB', /SIP_CHECK_MAX_BYTES="20MiB" is invalid: expected an integer from 1024/],
    ['SIP_CHECK_MAX_LINES', '-5', /SIP_CHECK_MAX_LINES="-5" is invalid/],
    ['SIP_CHECK_WORKERS', '17', /SIP_CHECK_WORKERS="17" is invalid: expected an integer from 0 to 16/],
    ['SIP_CHECK_WORKER_QUEUE', 'many', /SIP_CHECK_WORKER_QUEUE="many" is invalid: expected an integer/],
    ['SIP_CHECK_DEFAULT_LEVEL', '-2', /SIP_CHECK_DEFAULT_LEVEL="-2" is invalid: expected an integer from -1 to 4095/],
    ['SIP_CHECK_DEFAULT_LEVEL', '0x1f', /SIP_CHECK_DEFAULT_LEVEL="0x1f" is invalid/],
    ['SIP_CHECK_COMMAND_TIMEOUT_MS', '1e4', /SIP_CHECK_COMMAND_TIMEOUT_MS="1e4" is invalid/],
    ['SIP_CHECK_CONNECT_TIMEOUT_MS', '999', /SIP_CHECK_CONNECT_TIMEOUT_MS="999" is invalid: expected an integer from 1000/],
    ['SIP_CHECK_KEEPALIVE_MS', 'yes', /SIP_CHECK_KEEPALIVE_MS="yes" is invalid/],
    ['SIP_CHECK_DEBUG_IM', 'maybe', /SIP_CHECK_DEBUG_IM="maybe" is invalid: expected true or false/],
    ['SIP_CHECK_MAX_CONCURRENT', '0', /SIP_CHECK_MAX_CONCURRENT="0" is invalid: expected an integer from 1 to 100/],
    ['SIP_CHECK_RATE_LIMIT', '5', /SIP_CHECK_RATE_LIMIT="5" is invalid: expected CHECKS\/SECONDS/],
    ['SIP_CHECK_RATE_LIMIT', '0/600', /SIP_CHECK_RATE_LIMIT="0\/600" is invalid/],
    ['SIP_CHECK_RATE_LIMIT', '5/0', /SIP_CHECK_RATE_LIMIT="5\/0" is invalid/],
    ['SIP_CHECK_RATE_LIMIT', 'off', /SIP_CHECK_RATE_LIMIT="off" is invalid/],
    ['SIP_CHECK_REDACT', 'everything', /SIP_CHECK_REDACT="everything" is invalid: expected one of none, users, addresses, all/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL="verbose" is invalid: expected one of debug, info, warn, error/],
    ['SIP_CHECK_AUDIT_LOG', 'var/a\u0007.jsonl', /SIP_CHECK_AUDIT_LOG="var\/a\?\.jsonl" is invalid: expected a file path/],
  ])('refuses %s=%j naming the variable, the value and what is expected', (name, value, message) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('refuses a default window above the maximum and an overall timeout shorter than the window', () => {
    expect(problemsOf({ SIP_CHECK_DEFAULT_SECONDS: '90', SIP_CHECK_MAX_SECONDS: '60' })).toEqual([
      'SIP_CHECK_DEFAULT_SECONDS=90 is larger than SIP_CHECK_MAX_SECONDS=60: expected at most 60',
    ]);
    expect(problemsOf({ SIP_CHECK_MAX_SECONDS: '60', SIP_CHECK_TIMEOUT_MS: '60000' })[0]).toMatch(
      /SIP_CHECK_TIMEOUT_MS=60000 is not longer than the longest capture \(SIP_CHECK_MAX_SECONDS=60\): expected more than 60000/,
    );
    expect(loadAppConfig({ SIP_CHECK_MAX_SECONDS: '60', SIP_CHECK_TIMEOUT_MS: '90000' }).limits.checkTimeoutMs).toBe(90_000);
  });

  it('collects every problem into one error', () => {
    const error = (() => {
      try {
        loadAppConfig({ SLACK_BOT_TOKEN: BOT, SIP_CHECK_MAX_SECONDS: 'abc', LOG_LEVEL: 'loud' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems).toHaveLength(4);
    expect(error.message).toMatch(/^4 configuration problems:\n- /);
    for (const name of ['SLACK_BOT_TOKEN', 'SIP_CHECK_INVENTORY', 'SIP_CHECK_MAX_SECONDS', 'LOG_LEVEL']) expect(error.message).toContain(name);
    expect(error.message).not.toContain(BOT);
  });
});

describe('loadAppConfig: fleet sweeps and the drift watch', () => {
  const slack = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SIP_CHECK_INVENTORY: 'inventory.yml' };
  const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
    try {
      loadAppConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return [...e.problems];
      throw e;
    }
    throw new Error('expected a ConfigError');
  };

  it('defaults: 5 firewalls at once (half the default cap), no watch, state in var/', () => {
    const config = loadAppConfig({});
    expect(config.sweepConcurrency).toBe(5);
    expect(config.watch).toBeUndefined();
    expect(config.fleetStatePath).toBe('var/fleet-state.json');
    // A small cap gives a smaller default instead of an error.
    expect(loadAppConfig({ SIP_CHECK_MAX_CONCURRENT: '3' }).sweepConcurrency).toBe(1);
  });

  it('reads the watch: channel, period, tag', () => {
    const config = loadAppConfig({ ...slack, SIP_CHECK_WATCH_CHANNEL: 'C0VOIPWATCH', SIP_CHECK_WATCH_EVERY: '1h', SIP_CHECK_WATCH_TAG: 'emea', SIP_CHECK_FLEET_STATE: '/var/lib/sip-check/fleet.json', SIP_CHECK_MAX_CONCURRENT: '40', SIP_CHECK_SWEEP_CONCURRENCY: '20' });
    expect(config.watch).toEqual({ channelId: 'C0VOIPWATCH', everyMs: 3_600_000, tag: 'emea' });
    expect(config.sweepConcurrency).toBe(20);
    expect(config.fleetStatePath).toBe('/var/lib/sip-check/fleet.json');
    expect(loadAppConfig({ ...slack, SIP_CHECK_WATCH_CHANNEL: 'G0PRIVATE1', SIP_CHECK_WATCH_EVERY: '5m' }).watch).toEqual({ channelId: 'G0PRIVATE1', everyMs: 300_000 });
  });

  it('says the watch is off in the terminal', () => {
    expect(loadAppConfig({ SIP_CHECK_WATCH_CHANNEL: 'C0VOIPWATCH', SIP_CHECK_WATCH_EVERY: '1h' }).warnings).toEqual([expect.stringMatching(/drift watch posts to Slack only and is off/)]);
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['a period under 5 minutes', { SIP_CHECK_WATCH_CHANNEL: 'C0VOIPWATCH', SIP_CHECK_WATCH_EVERY: '4m' }, /^SIP_CHECK_WATCH_EVERY="4m" is invalid: expected a period from 5m to 7d .* e\.g\. 1h$/],
    ['a period without a unit', { SIP_CHECK_WATCH_CHANNEL: 'C0VOIPWATCH', SIP_CHECK_WATCH_EVERY: '3600' }, /^SIP_CHECK_WATCH_EVERY="3600" is invalid/],
    ['a period over 7 days', { SIP_CHECK_WATCH_CHANNEL: 'C0VOIPWATCH', SIP_CHECK_WATCH_EVERY: '8d' }, /^SIP_CHECK_WATCH_EVERY="8d" is invalid/],
    ['a channel name', { SIP_CHECK_WATCH_CHANNEL: '#voip', SIP_CHECK_WATCH_EVERY: '1h' }, /^SIP_CHECK_WATCH_CHANNEL="#voip" is invalid: expected a Slack channel ID .* not a #name$/],
    ['a channel without a period', { SIP_CHECK_WATCH_CHANNEL: 'C0VOIPWATCH' }, /^SIP_CHECK_WATCH_CHANNEL is set but SIP_CHECK_WATCH_EVERY is not/],
    ['a period without a channel', { SIP_CHECK_WATCH_EVERY: '1h' }, /^SIP_CHECK_WATCH_EVERY is set but SIP_CHECK_WATCH_CHANNEL is not/],
    ['a bad tag', { SIP_CHECK_WATCH_CHANNEL: 'C0VOIPWATCH', SIP_CHECK_WATCH_EVERY: '1h', SIP_CHECK_WATCH_TAG: 'EMEA!' }, /^SIP_CHECK_WATCH_TAG="EMEA!" is invalid: expected an inventory tag/],
    ['a tag without the watch', { SIP_CHECK_WATCH_TAG: 'emea' }, /^SIP_CHECK_WATCH_TAG is set but the watch is off/],
    ['sweep concurrency above half the cap', { SIP_CHECK_SWEEP_CONCURRENCY: '6' }, /^SIP_CHECK_SWEEP_CONCURRENCY=6 is more than half of SIP_CHECK_MAX_CONCURRENT=10: expected at most 5/],
    ['sweep concurrency 0', { SIP_CHECK_SWEEP_CONCURRENCY: '0' }, /^SIP_CHECK_SWEEP_CONCURRENCY="0" is invalid: expected an integer from 1 to 50/],
  ])('refuses %s with a message naming the variable', (_title, env, message) => {
    const problems = problemsOf({ ...slack, ...env });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});

describe('loadAppConfig: the terminal user', () => {
  it('acts as nobody in particular by default (fw-demo only)', () => {
    expect(loadAppConfig({}).consoleUser).toBeUndefined();
  });
  it('takes a Slack user ID so inventory grants apply in the terminal', () => {
    expect(loadAppConfig({ SIP_CHECK_CONSOLE_USER: 'U012ABCDEF' }).consoleUser).toBe('U012ABCDEF');
  });
  it.each(['alice', '@alice', 'C012ABCDEF', 'U012ABCDEF\nexecute'])('refuses %j', (value) => {
    expect(problemsOf({ SIP_CHECK_CONSOLE_USER: value }).join('\n')).toMatch(/SIP_CHECK_CONSOLE_USER.*Slack user ID/);
  });
});

describe('loadAppConfig: replicas, health and metrics', () => {
  it('keeps everything in process by default', () => {
    const config = loadAppConfig({});
    expect(config.redis).toBeUndefined();
    expect(config.metricsPort).toBeUndefined();
    expect(config.metricsHost).toBe('127.0.0.1');
  });

  it('binds the ops port to SIP_CHECK_METRICS_HOST when set, and refuses what is no address', () => {
    expect(loadAppConfig({ SIP_CHECK_METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('0.0.0.0');
    expect(loadAppConfig({ SIP_CHECK_METRICS_HOST: '::' }).metricsHost).toBe('::');
    expect(loadAppConfig({ SIP_CHECK_METRICS_HOST: 'metrics.internal' }).metricsHost).toBe('metrics.internal');
    expect(problemsOf({ SIP_CHECK_METRICS_HOST: 'http://x/' })).toEqual([
      'SIP_CHECK_METRICS_HOST="http://x/" is invalid: expected an IP address or host name to bind the ops port to (0.0.0.0 for every interface); default 127.0.0.1',
    ]);
  });

  it('reads the Redis URL, the lease and the metrics port', () => {
    const config = loadAppConfig({ SIP_CHECK_REDIS_URL: 'redis://:s3cret@redis:6379/2', SIP_CHECK_LOCK_LEASE_MS: '5000', SIP_CHECK_METRICS_PORT: '9090' });
    expect(config.redis).toEqual({ url: 'redis://:s3cret@redis:6379/2', leaseMs: 5000 });
    expect(config.metricsPort).toBe(9090);
    expect(loadAppConfig({ SIP_CHECK_REDIS_URL: 'rediss://cache.example.net:6380' }).redis).toEqual({ url: 'rediss://cache.example.net:6380', leaseMs: 30_000 });
  });

  it('refuses a bad Redis URL without echoing it (it may hold a password), a bad lease and a bad port', () => {
    const problems = problemsOf({ SIP_CHECK_REDIS_URL: 'http://user:hunter2@redis:6379', SIP_CHECK_LOCK_LEASE_MS: '10', SIP_CHECK_METRICS_PORT: '70000' });
    expect(problems).toEqual([
      'SIP_CHECK_REDIS_URL is invalid (value not shown): expected redis://[user:password@]host:port[/db] or rediss://...',
      'SIP_CHECK_LOCK_LEASE_MS="10" is invalid: expected an integer from 1000 to 600000 (milliseconds); default 30000',
      'SIP_CHECK_METRICS_PORT="70000" is invalid: expected an integer from 1 to 65535 (a TCP port); unset: not served',
    ]);
    expect(problems.join('\n')).not.toMatch(/hunter2/);
  });
});

describe('containerStartProblem: the terminal demo in a container', () => {
  it('refuses the demo in a container (SIP_CHECK_CONTAINER) without a terminal, naming the Slack tokens', () => {
    const env = { SIP_CHECK_CONTAINER: '1' };
    const problem = containerStartProblem(loadAppConfig(env), env, false);
    expect(problem).toMatch(/^no Slack tokens: in a container .* SLACK_BOT_TOKEN with SLACK_APP_TOKEN \(Socket Mode\) or SLACK_SIGNING_SECRET \(HTTP mode\).*docker run -it$/);
  });

  it('lets the demo run with a terminal (docker run -it), outside a container, and never gets in the way of Slack modes', () => {
    expect(containerStartProblem(loadAppConfig({ SIP_CHECK_CONTAINER: '1' }), { SIP_CHECK_CONTAINER: '1' }, true)).toBeUndefined();
    expect(containerStartProblem(loadAppConfig({}), {}, false)).toBeUndefined();
    expect(containerStartProblem(loadAppConfig({ SIP_CHECK_CONTAINER: 'false' }), { SIP_CHECK_CONTAINER: 'false' }, false)).toBeUndefined();
    const slack = { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SIP_CHECK_INVENTORY: 'i.yml', SIP_CHECK_CONTAINER: '1' };
    expect(containerStartProblem(loadAppConfig(slack), slack, false)).toBeUndefined();
  });
});
