/** The SIP part of sip-check: pure, streaming, bounded. See docs/sip.md. */
export { SipCaptureAnalyzer, type SipCaptureAnalyzerOptions, type CapturedSipMessage } from './analyzer';
export { SipByteLineSplitter, SipLineSplitter } from './lines';
export { createRedactor } from './redact';
export type { SipLadder, SipLadderRow, SipSummary, SipProblem, SipCallSummary, SipRegistrationSummary } from './types';
export type { DebugMessageEvent } from './reader';
