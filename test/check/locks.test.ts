import { FirewallLocks, Semaphore, busyError, overloadedError } from '../../src/check/locks';

const holder = (checkId: string, requestedBy = 'U0ALICE01') => ({ requestedBy, startedAt: new Date('2026-11-25T17:40:00Z'), checkId });

describe('FirewallLocks: one check per firewall', () => {
  it('refuses a second check of the same firewall and names who holds it', () => {
    const locks = new FirewallLocks();
    const first = locks.acquire('fw01', holder('c1'));
    expect(typeof first).toBe('function');
    const second = locks.acquire('fw01', holder('c2', 'U0BOB0001'));
    expect(second).toEqual({ busy: holder('c1') });
    expect(typeof locks.acquire('fw02', holder('c3'))).toBe('function');
    expect(locks.entries().map((e) => [e.firewall, e.holder.checkId])).toEqual([
      ['fw01', 'c1'],
      ['fw02', 'c3'],
    ]);
  });

  it('frees the firewall on release; a late second release does not free a newer check', () => {
    const locks = new FirewallLocks();
    const first = locks.acquire('fw01', holder('c1'));
    if (typeof first !== 'function') throw new Error('expected the lock');
    first();
    expect(locks.holder('fw01')).toBeUndefined();
    const second = locks.acquire('fw01', holder('c2'));
    expect(typeof second).toBe('function');
    first();
    expect(locks.holder('fw01')?.checkId).toBe('c2');
    expect(locks.acquire('fw01', holder('c3'))).toEqual({ busy: holder('c2') });
  });

  it('renders a retryable busy error', () => {
    const error = busyError('fw01', holder('c1'));
    expect(error.kind).toBe('busy');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('A check of fw01 is already running (started by <@U0ALICE01> at 2026-11-25T17:40:00.000Z, id c1).');
  });

  it('names a terminal user plainly (no Slack mention syntax outside Slack IDs)', () => {
    expect(busyError('fw-demo', { ...holder('c1'), requestedBy: 'console' }).message).toMatch(/started by console at /);
    // A sweep holding the device is named as a sweep, with who started it (the watch, the command line, a user).
    expect(busyError('fw01', { ...holder('sweep-0b6c'), requestedBy: 'sip-check sweep (command line)' }).message).toBe(
      'A sweep is already reading fw01 (started by sip-check sweep (command line) at 2026-11-25T17:40:00.000Z, id sweep-0b6c).',
    );
  });
});

describe('Semaphore: global limit without a queue', () => {
  it('refuses when full (no queue), and frees a slot on release, once', () => {
    const semaphore = new Semaphore(2);
    const a = semaphore.take();
    const b = semaphore.take();
    expect(typeof a).toBe('function');
    expect(typeof b).toBe('function');
    expect(semaphore.inUse).toBe(2);
    expect(semaphore.take()).toBeNull();
    a!();
    a!();
    expect(semaphore.inUse).toBe(1);
    expect(typeof semaphore.take()).toBe('function');
    expect(semaphore.take()).toBeNull();
  });

  it('has a retryable overloaded error', () => {
    const error = overloadedError(2);
    expect(error.kind).toBe('overloaded');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('2 checks are already running, the most this bot runs at once.');
  });

  it('refuses a nonsense limit', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
