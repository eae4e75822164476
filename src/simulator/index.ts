export { FortiGateSimulator, fingerprintOf } from './simulator';
export { loadScenario, parseScenario, responseKey, ScenarioError, SCENARIO_DEFAULTS, type Scenario } from './scenario';
export {
  isDebugClean,
  newDeviceState,
  type CommandLogEntry,
  type ConfigWrite,
  type DebugState,
  type DeviceState,
  type Faults,
  type Latency,
  type SimulatorOptions,
  type SimulatorUser,
} from './types';
export { DEFAULT_HOST_KEY, DEFAULT_HOST_KEY_FINGERPRINT } from './hostKey';
export { JumpHostServer, JUMP_HOST_KEY, JUMP_HOST_KEY_FINGERPRINT, type JumpHostOptions } from './jumpHost';
