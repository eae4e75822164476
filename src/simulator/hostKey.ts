/**
 * The simulator's fixed ed25519 host key (generated once with `ssh-keygen -t ed25519`; test-only, never a real device's key).
 * Fixed so the fingerprint pinned in demo inventories and tests is stable:
 * SHA256:+nCrFCxI0olartUhPQ9hKbrv2T43/HNEUjc06FCKVT0 (`ssh-keygen -lf`).
 */
export const DEFAULT_HOST_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACA22lV3XxfUNizJpcMcRozJyq/rmo4lF+OdHexsylAjvwAAAKAL4P+JC+D/
iQAAAAtzc2gtZWQyNTUxOQAAACA22lV3XxfUNizJpcMcRozJyq/rmo4lF+OdHexsylAjvw
AAAEDQnjx4f4vb0mFqu/ePIjguhLsoWq5q2ub/an8/JnulJjbaVXdfF9Q2LMmlwxxGjMnK
r+uajiUX450d7GzKUCO/AAAAG0ZHVC1ERU1PIHNpbXVsYXRvciBob3N0IGtleQEC
-----END OPENSSH PRIVATE KEY-----
`;

export const DEFAULT_HOST_KEY_FINGERPRINT = 'SHA256:+nCrFCxI0olartUhPQ9hKbrv2T43/HNEUjc06FCKVT0';
