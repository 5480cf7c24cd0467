/**
 * The extension's log (a LogOutputChannel). Everything written passes through
 * redact(): bearer tokens, client keys and certificate data never reach the log.
 */
import * as vscode from 'vscode';
import { redact } from '../k8s/redact';

export { redact };

export class Logger implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  constructor(name = 'Istio Revisions') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }
  info(msg: string): void {
    this.channel.info(redact(msg));
  }
  warn(msg: string): void {
    this.channel.warn(redact(msg));
  }
  error(msg: string): void {
    this.channel.error(redact(msg));
  }
  debug(msg: string): void {
    this.channel.debug(redact(msg));
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}
