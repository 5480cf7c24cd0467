/**
 * Running the user's istioctl: always an argument array, never a shell; output
 * streamed line by line; cancel sends SIGTERM, then SIGKILL after a grace period.
 * A missing or non-executable binary, a non-zero exit and garbage output each get
 * a message naming the binary and the cause.
 */
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  cancelled: boolean;
}

export type RunOutcome = { ok: true; result: RunResult } | { ok: false; message: string; result?: RunResult };

export interface RunToolOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  timeoutMs?: number;
  cwd?: string;
  input?: string;
}

export function runTool(bin: string, args: string[], opts: RunToolOptions = {}): Promise<RunOutcome> {
  return new Promise((resolve) => {
    let child;
    try {
      // Own process group, so cancel reaches whatever the tool started too.
      child = spawn(bin, args, { env: opts.env ?? process.env, cwd: opts.cwd, shell: false, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ ok: false, message: `cannot start ${bin}: ${(e as Error).message}` });
      return;
    }
    let stdout = '';
    let stderr = '';
    let cancelled = false;
    let settled = false;
    const bufs = { stdout: '', stderr: '' };
    const feed = (stream: 'stdout' | 'stderr', chunk: string) => {
      if (stream === 'stdout') stdout += chunk;
      else stderr += chunk;
      bufs[stream] += chunk;
      let nl: number;
      while ((nl = bufs[stream].indexOf('\n')) >= 0) {
        opts.onLine?.(bufs[stream].slice(0, nl).replace(/\r$/, ''), stream);
        bufs[stream] = bufs[stream].slice(nl + 1);
      }
    };
    child.stdout.setEncoding('utf8').on('data', (c: string) => feed('stdout', c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => feed('stderr', c));
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        try {
          child.kill(sig);
        } catch {
          /* gone */
        }
      }
    };
    const kill = () => {
      signalGroup('SIGTERM');
      setTimeout(() => signalGroup('SIGKILL'), 5000).unref();
    };
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          stderr += `\n(timed out after ${Math.round(opts.timeoutMs! / 1000)} s)`;
          kill();
        }, opts.timeoutMs)
      : undefined;
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const why = e.code === 'ENOENT' ? 'not found' : e.code === 'EACCES' ? 'not executable (permission denied)' : e.message;
      resolve({ ok: false, message: `${bin}: ${why}` });
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const s of ['stdout', 'stderr'] as const) if (bufs[s]) opts.onLine?.(bufs[s], s);
      const result = { code, signal, stdout, stderr, cancelled };
      if (cancelled) {
        resolve({ ok: false, message: `${bin} was cancelled`, result });
        return;
      }
      if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-5).join('\n') || stdout.trim().split('\n').slice(-5).join('\n');
        resolve({ ok: false, message: `${bin} ${args[0] ?? ''} exited with ${code ?? signal}${tail ? `: ${tail}` : ''}`, result });
        return;
      }
      resolve({ ok: true, result });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Runs `istioctl version --remote=false -o json` and returns the client version, or why it can't. */
export async function istioctlClientVersion(bin: string, env?: NodeJS.ProcessEnv): Promise<{ ok: true; version: string } | { ok: false; message: string }> {
  const r = await runTool(bin, ['version', '--remote=false', '-o', 'json'], { env, timeoutMs: 30_000 });
  if (!r.ok) return { ok: false, message: r.message };
  try {
    const v = JSON.parse(r.result.stdout) as { clientVersion?: { version?: string } };
    if (typeof v.clientVersion?.version === 'string' && v.clientVersion.version) return { ok: true, version: v.clientVersion.version };
  } catch {
    /* fall through */
  }
  return { ok: false, message: `${bin} printed something that is not istioctl's version JSON: ${r.result.stdout.slice(0, 120)}` };
}
