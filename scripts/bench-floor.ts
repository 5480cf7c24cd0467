/**
 * The floor of a model build: exactly the lists the model reads (floorLists: the watcher's own
 * sources, same page size, same encoding — protobuf where the watcher asks for it), all kinds
 * concurrently, pages in sequence, bytes received and nothing parsed. Each page's `continue` token is
 * read from its head, where the list's metadata precedes its items, as the watcher does. The bench
 * bundles this file alone (a few KiB: only the head readers) and runs it as its own process, so it is
 * timed the way the CLI's `status -o json` is (process start included).
 *
 *   node <bundle> <apiserver-url> <token> <lists.json>
 * Prints {"bytes":N,"pages":N,"ms":N} (also to $TMPDIR/istio-revisions-bench-floor.json).
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { continueFromHead } from '../src/k8s/client';
import { continueFromProtobufHead, PROTOBUF_MAGIC } from '../src/k8s/protobuf';

export interface FloorList {
  path: string;
  query: Record<string, string | undefined>;
  accept: string;
}

const [server, token, listsFile] = process.argv.slice(2);
const agent = new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });

function page(p: string, query: Record<string, string | undefined>, accept: string): Promise<{ bytes: number; next?: string }> {
  const u = new URL(p, server);
  for (const [k, v] of Object.entries(query)) if (v) u.searchParams.set(k, v);
  return new Promise((resolve, reject) => {
    const req = https.get(u, { agent, headers: { Authorization: `Bearer ${token}`, Accept: accept } }, (res) => {
      let bytes = 0;
      let head: string | undefined = '';
      let next: string | undefined;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (head === undefined) return;
        head += c.toString('latin1', 0, Math.min(c.length, 4096));
        const n = head.startsWith(PROTOBUF_MAGIC) ? continueFromProtobufHead(head) : continueFromHead(head);
        if (n !== undefined || head.includes('"items":') || head.length > 65536) {
          next = n || undefined;
          head = undefined;
        }
      });
      res.on('end', () => resolve({ bytes, next: res.statusCode === 200 ? next : undefined }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function main() {
  const t0 = performance.now();
  let bytes = 0;
  let pages = 0;
  const lists = JSON.parse(fs.readFileSync(listsFile, 'utf8')) as FloorList[];
  // Optional kinds answer 404 on a bench without them, as they do for the watcher.
  await Promise.all(
    lists.map(async (l) => {
      let cont: string | undefined;
      do {
        const r = await page(l.path, { ...l.query, continue: cont }, l.accept);
        bytes += r.bytes;
        pages++;
        cont = r.next;
      } while (cont);
    }),
  );
  const out = JSON.stringify({ bytes, pages, ms: Math.round(performance.now() - t0) });
  process.stdout.write(`${out}\n`);
  fs.writeFileSync(path.join(os.tmpdir(), 'istio-revisions-bench-floor.json'), out); // read by the bench (its timer discards stdout)
  agent.destroy();
}

void main();
