/** Istio version strings from image references and Helm values. */

/**
 * The tag of an image reference, without variant suffixes Istio publishes
 * (`-distroless`, `-debug`). `docker.io/istio/pilot:1.28.0-distroless` → `1.28.0`;
 * `localhost:5000/istio/proxyv2:1.8.0` → `1.8.0`; digests only → undefined.
 */
export function imageTag(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const noDigest = image.split('@')[0];
  const lastSlash = noDigest.lastIndexOf('/');
  const lastPart = noDigest.slice(lastSlash + 1);
  const colon = lastPart.lastIndexOf(':');
  if (colon < 0) return undefined;
  const tag = lastPart.slice(colon + 1);
  if (!tag) return undefined;
  return tag.replace(/-(distroless|debug)$/, '');
}

/** `global.tag` (or `global.proxy.image` tag) from the `values` JSON of an istio-sidecar-injector ConfigMap. */
export function versionFromInjectorValues(values: string | undefined): string | undefined {
  if (!values) return undefined;
  try {
    const v = JSON.parse(values) as { global?: { tag?: unknown } };
    const tag = v?.global?.tag;
    if (typeof tag === 'string' && tag) return tag.replace(/-(distroless|debug)$/, '');
    if (typeof tag === 'number') return String(tag);
  } catch {
    /* not JSON: ignore, other signals decide the version */
  }
  return undefined;
}

/** Compares dotted versions numerically where possible (1.9.0 < 1.10.0); non-numeric parts compare as strings. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx - ny;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}
