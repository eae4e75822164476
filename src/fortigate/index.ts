/** The FortiGate driver's public face: what the check needs to open a session on a firewall. */
export { openSession, validateCommand, type SessionOptions } from './session';
export { connectSsh, type ConnectTarget } from './ssh';
export { fingerprintOf, parseKnownHosts, normaliseFingerprint } from './hostKey';
export type { CaptureOptions, CaptureResult, CaptureStop, CommandResult, FortiSession, SessionInfo } from './types';
