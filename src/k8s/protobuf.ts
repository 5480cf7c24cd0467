/**
 * Pods read from the API server's protobuf encoding, straight into the pruned shape (prune.ts's
 * prunePod) — nothing else of a pod is decoded.
 *
 * Why: a pod is ~9 KB of JSON, most of it managedFields, volumes and container details the model
 * never reads. As JSON every byte is decoded to UTF-16 and parsed into objects that are then dropped;
 * in protobuf each field is length-prefixed, so what the model does not read is stepped over without
 * being looked at. The API server also encodes protobuf faster and smaller than JSON. Built-in kinds
 * only (custom resources have no protobuf encoding); the server answers JSON where it has none, and
 * that answer is read as before.
 *
 * Wire format: https://protobuf.dev/programming-guides/encoding/. Field numbers from
 * k8s.io/api/core/v1/generated.proto and k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto;
 * the envelope (magic `k8s\0` + runtime.Unknown) from k8s.io/apimachinery/pkg/runtime/serializer/protobuf.
 * The decoder is a few dozen lines over field numbers, not a generated one: a generated decoder
 * (protobufjs and the like) builds every field of every pod, which is the cost this avoids.
 */
import type { Container, ObjectMeta } from '../istio/types';
import { KEPT_ANNOTATIONS } from './prune';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
/** What a list of a built-in kind asks for: protobuf, or JSON from a server (or proxy) without it. */
export const PROTOBUF_OR_JSON = `${PROTOBUF},application/json`;

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
/** The first bytes of every Kubernetes protobuf body, as latin1 text (as a body's head is looked at). */
export const PROTOBUF_MAGIC = 'k8s\0';

/**
 * Reads one list page (envelope included) as its bytes arrive: push() each chunk, then finish() for
 * the pruned items and the list's metadata. finish() throws a ProtobufError for a body it could not
 * read (push() never throws: the first error is kept for finish()).
 */
export interface ProtobufListStream<T> {
  push(chunk: Uint8Array): void;
  finish(): { items: T[]; resourceVersion: string; continue: string };
}

/** Makes a page's stream; `onContinue` is called with the next page's token as soon as the page's metadata has arrived. */
export type ProtobufListDecoder<T> = (onContinue?: (token: string) => void) => ProtobufListStream<T>;

/** A body that is not the protobuf the decoder knows (truncated, another message): said in one line by the caller. */
export class ProtobufError extends Error {}

// The reader's state: one buffer and a position, module-level for speed (decoding is synchronous).
const EMPTY = new Uint8Array(0);
let B: Uint8Array = EMPTY;
let P = 0;
let utf8: (start: number, end: number) => string = () => '';

function uvarint(): number {
  let b = B[P++];
  if (b < 0x80) return b;
  let x = b & 0x7f;
  let mul = 0x80;
  for (;;) {
    if (P >= B.length) throw new ProtobufError('truncated varint');
    b = B[P++];
    x += (b & 0x7f) * mul;
    if (b < 0x80) return x;
    mul *= 0x80;
    if (mul > 2 ** 70) throw new ProtobufError('varint too long');
  }
}

/** Skips a field's value of the given wire type. */
function skip(wire: number): void {
  if (wire === 0) uvarint();
  else if (wire === 2) {
    const len = uvarint(); // read before P: `P += uvarint()` would add to the P from before the length
    P += len;
  } else if (wire === 1) P += 8;
  else if (wire === 5) P += 4;
  else throw new ProtobufError(`unsupported wire type ${wire}`);
}

/** The end of the length-delimited value at P (P moved past the length). */
function sub(end: number): number {
  const len = uvarint();
  const e = P + len;
  if (e > end) throw new ProtobufError('a field runs past its message');
  return e;
}

function str(end: number): string {
  const e = sub(end);
  const s = utf8(P, e);
  P = e;
  return s;
}

function use(buf: Uint8Array): void {
  B = buf;
  P = 0;
  const b = (Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)) as Buffer & { utf8Slice?: (s: number, e: number) => string };
  // Buffer's utf8Slice (what toString('utf8', …) calls after checking its arguments) is about twice as
  // fast for the many short strings of a pod; toString where a runtime lacks it.
  utf8 = typeof b.utf8Slice === 'function' ? (s, e) => b.utf8Slice!(s, e) : (s, e) => b.toString('utf8', s, e);
}

/** Where the runtime.Unknown's `raw` (the encoded object) lies in a body; throws when it is not Kubernetes protobuf. */
function envelope(): number {
  for (let i = 0; i < 4; i++) if (B[i] !== MAGIC[i]) throw new ProtobufError('not Kubernetes protobuf (no k8s magic)');
  P = 4;
  const end = B.length;
  let rawEnd = -1;
  let rawStart = -1;
  while (P < end) {
    const tag = uvarint();
    if (tag === ((2 << 3) | 2)) {
      rawEnd = sub(end);
      rawStart = P;
      P = rawEnd;
    } else skip(tag & 7);
  }
  if (rawStart < 0) throw new ProtobufError('no object in the protobuf envelope');
  P = rawStart;
  return rawEnd;
}

function time(end: number): string {
  const e = sub(end);
  let seconds = 0;
  while (P < e) {
    const tag = uvarint();
    if (tag === ((1 << 3) | 0)) seconds = uvarint();
    else skip(tag & 7);
  }
  P = e;
  // metav1.Time's JSON: RFC 3339 in UTC, whole seconds.
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One map entry (key 1, value 2) into `into`; with `keep`, only keys it holds (the others' values are not decoded). */
function mapEntry(end: number, into: Record<string, string>, keep?: ReadonlySet<string>): void {
  const e = sub(end);
  let key = '';
  let value = '';
  let wanted = true;
  while (P < e) {
    const tag = uvarint();
    if (tag === ((1 << 3) | 2)) {
      key = str(e);
      if (keep) wanted = keep.has(key);
    } else if (tag === ((2 << 3) | 2) && wanted) value = str(e);
    else skip(tag & 7);
  }
  P = e;
  if (wanted) into[key] = value;
}

const KEPT = new Set(KEPT_ANNOTATIONS);

interface Owner {
  kind: string;
  name: string;
  uid: string;
  controller: boolean | undefined;
}

function ownerRef(end: number): Owner {
  const e = sub(end);
  let kind = '';
  let name = '';
  let uid = '';
  let controller: boolean | undefined;
  while (P < e) {
    const tag = uvarint();
    switch (tag) {
      case (1 << 3) | 2:
        kind = str(e);
        break;
      case (3 << 3) | 2:
        name = str(e);
        break;
      case (4 << 3) | 2:
        uid = str(e);
        break;
      case (6 << 3) | 0:
        controller = uvarint() !== 0;
        break;
      default:
        skip(tag & 7);
    }
  }
  P = e;
  return { kind, name, uid, controller };
}

/** ObjectMeta, as prune.ts's meta() leaves it (JSON's omitempty: empty strings and a zero generation are absent). */
function objectMeta(end: number): ObjectMeta {
  const e = sub(end);
  let name = '';
  let namespace = '';
  let uid = '';
  let resourceVersion = '';
  let generation = 0;
  let deletionTimestamp: string | undefined;
  let labels: Record<string, string> | undefined;
  let annotations: Record<string, string> | undefined;
  let owners: Owner[] | undefined;
  while (P < e) {
    const tag = uvarint();
    switch (tag) {
      case (1 << 3) | 2:
        name = str(e);
        break;
      case (3 << 3) | 2:
        namespace = str(e);
        break;
      case (5 << 3) | 2:
        uid = str(e);
        break;
      case (6 << 3) | 2:
        resourceVersion = str(e);
        break;
      case (7 << 3) | 0:
        generation = uvarint();
        break;
      case (9 << 3) | 2:
        deletionTimestamp = time(e);
        break;
      case (11 << 3) | 2:
        mapEntry(e, (labels ??= {}));
        break;
      case (12 << 3) | 2:
        mapEntry(e, (annotations ??= {}), KEPT);
        break;
      case (13 << 3) | 2:
        (owners ??= []).push(ownerRef(e));
        break;
      default:
        skip(tag & 7);
    }
  }
  P = e;
  const out: ObjectMeta = { name };
  if (namespace) out.namespace = namespace;
  if (uid) out.uid = uid;
  if (resourceVersion) out.resourceVersion = resourceVersion;
  if (generation) out.generation = generation;
  if (deletionTimestamp) out.deletionTimestamp = deletionTimestamp;
  if (labels) out.labels = labels;
  if (annotations) {
    // In KEPT_ANNOTATIONS' order, as pickAnnotations builds it; undefined when none is kept.
    let picked: Record<string, string> | undefined;
    for (const k of KEPT_ANNOTATIONS) if (annotations[k] !== undefined) (picked ??= {})[k] = annotations[k];
    if (picked) out.annotations = picked;
  }
  if (owners) out.ownerReferences = owners;
  return out;
}

function container(end: number): Container {
  const e = sub(end);
  let name = '';
  let image = '';
  while (P < e) {
    const tag = uvarint();
    if (tag === ((1 << 3) | 2)) name = str(e);
    else if (tag === ((2 << 3) | 2)) image = str(e);
    else skip(tag & 7);
  }
  P = e;
  return { name, image: image || undefined };
}

function podSpec(end: number) {
  const e = sub(end);
  let containers: Container[] | undefined;
  let initContainers: Container[] | undefined;
  let hostNetwork = false;
  let nodeName = '';
  while (P < e) {
    const tag = uvarint();
    switch (tag) {
      case (2 << 3) | 2:
        (containers ??= []).push(container(e));
        break;
      case (20 << 3) | 2:
        (initContainers ??= []).push(container(e));
        break;
      case (10 << 3) | 2:
        nodeName = str(e);
        break;
      case (11 << 3) | 0:
        hostNetwork = uvarint() !== 0;
        break;
      default:
        skip(tag & 7);
    }
  }
  P = e;
  return { containers, initContainers, hostNetwork: hostNetwork || undefined, nodeName: nodeName || undefined };
}

function podStatus(end: number) {
  const e = sub(end);
  let phase = '';
  const conditions: { type: string; status: string }[] = [];
  while (P < e) {
    const tag = uvarint();
    if (tag === ((1 << 3) | 2)) phase = str(e);
    else if (tag === ((2 << 3) | 2)) {
      const ce = sub(e);
      let type = '';
      let status = '';
      while (P < ce) {
        const t = uvarint();
        if (t === ((1 << 3) | 2)) type = str(ce);
        else if (t === ((2 << 3) | 2)) status = str(ce);
        else skip(t & 7);
      }
      P = ce;
      if (type === 'Ready') conditions.push({ type, status });
    } else skip(tag & 7);
  }
  P = e;
  return { phase: phase || undefined, conditions };
}

export type PrunedPod = ReturnType<typeof pod>;

function pod(end: number) {
  const e = sub(end);
  let metadata: ObjectMeta = { name: '' };
  let spec: ReturnType<typeof podSpec> | undefined;
  let status: ReturnType<typeof podStatus> | undefined;
  while (P < e) {
    const tag = uvarint();
    if (tag === ((1 << 3) | 2)) metadata = objectMeta(e);
    else if (tag === ((2 << 3) | 2)) spec = podSpec(e);
    else if (tag === ((3 << 3) | 2)) status = podStatus(e);
    else skip(tag & 7);
  }
  P = e;
  return { metadata, spec, status };
}

export interface ProtoPodList {
  items: PrunedPod[];
  resourceVersion: string;
  continue: string;
}

/** A varint at P, or -1 when the bytes before `limit` end inside it (the rest is still on the way). */
function tryUvarint(limit: number): number {
  let x = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (P >= limit) return -1;
    const b = B[P++];
    x += (b & 0x7f) * mul;
    if (b < 0x80) return x;
    mul *= 0x80;
  }
  throw new ProtobufError('varint too long');
}

const enum At {
  Magic,
  Envelope,
  List,
}

/**
 * A PodList read as it streams in. Each pod is decoded as soon as its last byte has arrived, so the
 * decoding overlaps the transfer, and the page is never held whole: bytes are kept in one buffer
 * only until the item they belong to is complete (a pod is a few KiB), and fields nobody reads are
 * stepped over as they pass, without being kept.
 */
class PodListStream implements ProtobufListStream<PrunedPod> {
  private readonly items: PrunedPod[] = [];
  private resourceVersion = '';
  private cont = '';
  private buf = Buffer.allocUnsafe(64 * 1024);
  /** The held bytes: buf[start, end). */
  private start = 0;
  private end = 0;
  private at = At.Magic;
  /** Bytes of the list (the envelope's raw field) not yet read. */
  private listLeft = 0;
  private sawList = false;
  /** Bytes of a field being stepped over that have not arrived yet. */
  private skipLeft = 0;
  private error: ProtobufError | undefined;

  constructor(private readonly onContinue?: (token: string) => void) {}

  push(chunk: Uint8Array): void {
    if (this.error) return;
    try {
      let c = chunk;
      if (this.skipLeft > 0) {
        const n = Math.min(this.skipLeft, c.length);
        this.skipLeft -= n;
        c = c.subarray(n);
        if (c.length === 0) return;
      }
      this.hold(c);
      this.read();
    } catch (e) {
      this.error = e instanceof ProtobufError ? e : new ProtobufError(`unreadable protobuf: ${(e as Error).message}`);
    } finally {
      B = EMPTY;
    }
  }

  finish(): ProtoPodList {
    if (this.error) throw this.error;
    if (this.at !== At.Envelope || !this.sawList || this.skipLeft > 0 || this.end > this.start)
      throw new ProtobufError(this.sawList ? 'the body ended inside the list' : 'no list in the body');
    return { items: this.items, resourceVersion: this.resourceVersion, continue: this.cont };
  }

  private hold(c: Uint8Array): void {
    const held = this.end - this.start;
    if (this.end + c.length > this.buf.length) {
      if (held + c.length <= this.buf.length) this.buf.copyWithin(0, this.start, this.end);
      else {
        const nb = Buffer.allocUnsafe(Math.max(this.buf.length * 2, held + c.length));
        this.buf.copy(nb, 0, this.start, this.end);
        this.buf = nb;
      }
      this.start = 0;
      this.end = held;
    }
    this.buf.set(c, this.end);
    this.end += c.length;
  }

  /** Steps over `n` bytes: those held now, the rest as they arrive. */
  private stepOver(n: number): void {
    const here = Math.min(n, this.end - this.start);
    this.start += here;
    this.skipLeft = n - here;
  }

  /** Reads every complete field held; leaves an incomplete one for the next chunk. */
  private read(): void {
    use(this.buf);
    const limit = this.end;
    for (;;) {
      P = this.start;
      if (this.at === At.Magic) {
        if (limit - P < 4) return;
        for (let i = 0; i < 4; i++) if (B[P + i] !== MAGIC[i]) throw new ProtobufError('not Kubernetes protobuf (no k8s magic)');
        this.start += 4;
        this.at = At.Envelope;
        continue;
      }
      if (this.skipLeft > 0 || P >= limit) return;
      const tag = tryUvarint(limit);
      if (tag < 0) return;
      const wire = tag & 7;
      if (this.at === At.Envelope) {
        if (tag === ((2 << 3) | 2) && !this.sawList) {
          const len = tryUvarint(limit);
          if (len < 0) return;
          this.start = P;
          this.listLeft = len;
          this.sawList = true;
          this.at = At.List;
        } else if (!this.field(wire, limit)) return;
        continue;
      }
      // At.List
      if (this.listLeft === 0) {
        this.at = At.Envelope;
        continue;
      }
      const before = this.start;
      if (tag === ((2 << 3) | 2) || tag === ((1 << 3) | 2)) {
        const lenAt = P;
        const len = tryUvarint(limit);
        if (len < 0) return;
        const fieldEnd = P + len;
        if (fieldEnd - before > this.listLeft) throw new ProtobufError('an item runs past its list');
        if (fieldEnd > limit) return; // the rest of this item is still on the way
        P = lenAt;
        if (tag === ((2 << 3) | 2)) this.items.push(pod(fieldEnd));
        else this.listMeta(fieldEnd);
        this.start = fieldEnd;
      } else if (!this.field(wire, limit)) return;
      const used = this.start + this.skipLeft - before;
      if (used > this.listLeft) throw new ProtobufError('a field runs past its list');
      this.listLeft -= used;
    }
  }

  /** Steps over one field of another number after its tag (P just past the tag); false when its length has not arrived. */
  private field(wire: number, limit: number): boolean {
    if (wire === 0) {
      if (tryUvarint(limit) < 0) return false;
      this.start = P;
    } else if (wire === 2) {
      const len = tryUvarint(limit);
      if (len < 0) return false;
      this.start = P;
      this.stepOver(len);
    } else if (wire === 1 || wire === 5) {
      this.start = P;
      this.stepOver(wire === 1 ? 8 : 4);
    } else throw new ProtobufError(`unsupported wire type ${wire}`);
    return true;
  }

  private listMeta(end: number): void {
    const le = sub(end);
    while (P < le) {
      const t = uvarint();
      if (t === ((2 << 3) | 2)) this.resourceVersion = str(le);
      else if (t === ((3 << 3) | 2)) this.cont = str(le);
      else skip(t & 7);
    }
    P = le;
    if (this.cont) this.onContinue?.(this.cont);
  }
}

/** Pods as protobuf, read as they stream in (see PodListStream). */
export const podListStream: ProtobufListDecoder<PrunedPod> = (onContinue) => new PodListStream(onContinue);

/** A whole PodList body (envelope included) as pruned pods and the list's metadata. Throws ProtobufError on a body it cannot read. */
export function decodePodList(body: Uint8Array): ProtoPodList {
  const s = new PodListStream();
  s.push(body);
  return s.finish();
}

/**
 * The `continue` token from the head of a protobuf list body (its first bytes, as latin1 text, as
 * onHead hands them): the envelope's object starts with the list's metadata. '' when the metadata
 * names none (the last page), undefined while the head does not hold all of it yet.
 */
export function continueFromProtobufHead(head: string): string | undefined {
  if (head.length < 8) return undefined;
  const bytes = Buffer.from(head, 'latin1');
  try {
    use(bytes);
    for (let i = 0; i < 4; i++) if (B[i] !== MAGIC[i]) return undefined;
    P = 4;
    while (P < B.length) {
      const tag = uvarint();
      if (tag !== ((2 << 3) | 2)) {
        skip(tag & 7);
        continue;
      }
      uvarint(); // raw's length: the list, of which only the head is here
      if (uvarint() !== ((1 << 3) | 2)) return undefined; // the list's first field is its metadata
      const len = uvarint();
      const le = P + len;
      if (le > B.length) return undefined;
      while (P < le) {
        const t = uvarint();
        if (t === ((3 << 3) | 2)) return str(le);
        skip(t & 7);
      }
      return '';
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    B = new Uint8Array(0);
  }
}

/** A Status answer (an error) in protobuf: its message and reason, undefined when the body is not one. */
export function decodeStatus(body: Uint8Array): { message?: string; reason?: string } | undefined {
  use(body);
  try {
    const end = envelope();
    let message: string | undefined;
    let reason: string | undefined;
    while (P < end) {
      const tag = uvarint();
      if (tag === ((3 << 3) | 2)) message = str(end);
      else if (tag === ((4 << 3) | 2)) reason = str(end);
      else skip(tag & 7);
    }
    return { message, reason };
  } catch {
    return undefined;
  } finally {
    B = new Uint8Array(0);
  }
}
