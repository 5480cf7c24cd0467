/** Removes bearer tokens, passwords, client keys and certificate data from text bound for a log. */
const PATTERNS: [RegExp, string][] = [
  [/(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, '$1<redacted>'],
  [
    /("?(?:token|client-key-data|client-certificate-data|certificate-authority-data|password|id-token|refresh-token|access-token|client-secret)"?\s*[:=]\s*"?)[^"\s,}]+/gi,
    '$1<redacted>',
  ],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '<redacted private key>'],
];

export function redact(s: string): string {
  let out = s;
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
  return out;
}
