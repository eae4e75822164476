/**
 * A restricted admin profile (scenario key `refusedCommands`): the listed commands are refused as FortiOS refuses
 * what a profile does not allow, in every context; everything else answers as recorded.
 */
import { join } from 'node:path';
import { COMMANDS } from '../../src/fortios/cli';
import { loadScenario, parseScenario, ScenarioError } from '../../src/simulator/scenario';
import { useSimulators } from './sshShell';

const RESTRICTED = join(__dirname, '../../src/simulator/scenarios/fw-restricted.txt');
const { startSim, shellOn } = useSimulators();

describe('refusedCommands', () => {
  it('is read from the front matter, normalised', () => {
    const s = loadScenario(RESTRICTED);
    expect(s.refusedCommands).toEqual([COMMANDS.vdList]);
    expect(s.vdoms).toEqual(['root', 'voice', 'lab']);
    expect(parseScenario('---\nrefusedCommands: ["diagnose  sys   vd list"]\n---\nFGT # get system status\n', 'x').refusedCommands).toEqual(['diagnose sys vd list']);
  });

  it('must be a list of commands', () => {
    expect(() => parseScenario('---\nrefusedCommands: diagnose sys vd list\n---\nFGT # get system status\n', 'bad.txt')).toThrow(ScenarioError);
    expect(() => parseScenario('---\nrefusedCommands: [""]\n---\nFGT # get system status\n', 'bad.txt')).toThrow(/refusedCommands/);
  });

  it('refuses the command (and longer forms of it) in global; the interfaces still name the VDOMs', async () => {
    const sim = await startSim({ scenario: loadScenario(RESTRICTED) });
    const shell = await shellOn(sim);
    await shell.run(COMMANDS.configGlobal);
    expect(await shell.run(COMMANDS.vdList)).toBe('Command fail. Return code -37');
    expect(await shell.run(`${COMMANDS.vdList} | grep name`)).toBe('Command fail. Return code -37');
    expect(await shell.run(COMMANDS.systemInterface)).toContain('set vdom "voice"');
    // A command that only starts with the same letters is not refused.
    expect(await shell.run('diagnose sys vd listx')).not.toContain('-37');
    await shell.run(COMMANDS.end);
  });
});
