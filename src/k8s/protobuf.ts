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

/** Decodes one list page (envelope included) into pruned items and the list's metadata; throws ProtobufError on a body it cannot read. */
export type ProtobufListDecoder<T> = (body: Uint8Array) => { items: T[]; resourceVersion: string; continue: string };

/** A body that is not the protobuf the decoder knows (truncated, another message): said in one line by the caller. */
export class ProtobufError extends Error {}

// The reader's state: one buffer and a position, module-level for speed (decoding is synchronous).
let B: Uint8Array = new Uint8Array(0);
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
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  utf8 = (s, e) => b.toString('utf8', s, e);
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

/** A PodList body (envelope included) as pruned pods and the list's metadata. Throws ProtobufError on a body it cannot read. */
export const decodePodList: ProtobufListDecoder<PrunedPod> = (body: Uint8Array): ProtoPodList => {
  use(body);
  try {
    const end = envelope();
    const items: PrunedPod[] = [];
    let resourceVersion = '';
    let cont = '';
    while (P < end) {
      const tag = uvarint();
      if (tag === ((1 << 3) | 2)) {
        const le = sub(end);
        while (P < le) {
          const t = uvarint();
          if (t === ((2 << 3) | 2)) resourceVersion = str(le);
          else if (t === ((3 << 3) | 2)) cont = str(le);
          else skip(t & 7);
        }
        P = le;
      } else if (tag === ((2 << 3) | 2)) items.push(pod(end));
      else skip(tag & 7);
    }
    if (P !== end) throw new ProtobufError('the list runs past its body');
    return { items, resourceVersion, continue: cont };
  } catch (e) {
    if (e instanceof ProtobufError) throw e;
    // An index past the end reads undefined and surfaces as NaN arithmetic or a TypeError: a truncated body.
    throw new ProtobufError(`unreadable protobuf: ${(e as Error).message}`);
  } finally {
    B = new Uint8Array(0);
  }
};

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
