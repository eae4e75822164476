/** The verdict (pure): transcript results → facts → who handles SIP. */
export { readFacts } from './facts';
export type { Facts, VdomFacts, PolicyFacts, VoipProfileFacts, SystemSettingsFacts, RuntimeEvidence, PortRange } from './facts';
export { decide, HANDLER_LABEL } from './decide';
export type { CaptureEvidence } from './decide';
export { remediationFor } from './remediation';
