/**
 * The local cluster never outlives its owner: a runner killed with SIGKILL (no
 * chance to clean up) leaves no etcd, kube-*, kwok or injector process behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitFor } from './helpers';

/** Pids of processes whose command line mentions `needle`. */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (cmd.includes(needle)) out.push(Number(e));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

describe('local cluster lifecycle', () => {
  it('a runner killed with SIGKILL leaves no cluster process running', async function () {
    this.timeout(240_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-revisions-killtest-'));
    const script = `
      import('${path.resolve(__dirname, '../cluster/cluster.mjs')}').then(async (m) => {
        await m.startCluster({ scenario: 'none', dir: ${JSON.stringify(dir)}, quiet: true });
        process.stdout.write('READY\\n');
        setInterval(() => {}, 1000);
      }).catch((e) => { console.error(e); process.exit(3); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        if (String(d).includes('READY')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`runner exited ${code} before the cluster was ready: ${stderr}`)));
    });
    const running = processesMentioning(dir);
    assert.ok(running.length >= 5, `expected etcd, apiserver, controller-manager, scheduler, kwok, istiod supervisor; found ${running.length} processes`);
    child.kill('SIGKILL');
    await waitFor('every cluster process to exit', () => processesMentioning(dir).length === 0, 30_000);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
