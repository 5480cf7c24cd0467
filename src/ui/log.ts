/**
 * The extension's log (a LogOutputChannel). Everything written passes through
 * redact(): bearer tokens, client keys and certificate data never reach the log.
 */
import * as vscode from 'vscode';

const PATTERNS: [RegExp, string][] = [
  [/(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, '$1<redacted>'],
  [/("?(?:token|client-key-data|client-certificate-data|password|id-token|refresh-token|access-token)"?\s*[:=]\s*"?)[^"\s,}]+/gi, '$1<redacted>'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '<redacted private key>'],
];

export function redact(s: string): string {
  let out = s;
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
  return out;
}

export class Logger implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  constructor(name = 'Istio Revisions') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }
  info(msg: string): void { this.channel.info(redact(msg)); }
  warn(msg: string): void { this.channel.warn(redact(msg)); }
  error(msg: string): void { this.channel.error(redact(msg)); }
  debug(msg: string): void { this.channel.debug(redact(msg)); }
  show(): void { this.channel.show(true); }
  dispose(): void { this.channel.dispose(); }
}
