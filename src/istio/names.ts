/**
 * Revision and tag names. Istio uses them as the `istio.io/rev` label value and
 * inside object names (`istiod-<rev>`, `istio-revision-tag-<tag>`), so they must be
 * DNS-1123 labels: lower-case alphanumerics and '-', start and end alphanumeric,
 * at most 63 characters. `1.8.0` is the classic mistake; `1-8-0` is the fix.
 */
export type NameCheck = { ok: true } | { ok: false; message: string; suggestion?: string };

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function checkRevisionName(name: string, what: 'revision' | 'tag' = 'revision'): NameCheck {
  if (name.length === 0) return { ok: false, message: `The ${what} name is empty.` };
  if (name.length > 63)
    return { ok: false, message: `The ${what} name "${name}" is ${name.length} characters; at most 63 are allowed.`, suggestion: suggestRevisionName(name) };
  if (DNS1123_LABEL.test(name)) return { ok: true };
  const suggestion = suggestRevisionName(name);
  const why = /[A-Z]/.test(name)
    ? 'upper-case letters are not allowed'
    : name.includes('.')
      ? 'dots are not allowed (write 1-8-0, not 1.8.0)'
      : "only lower-case letters, digits and '-' are allowed, starting and ending with a letter or digit";
  return {
    ok: false,
    message: `"${name}" is not a valid ${what} name: ${why}.`,
    suggestion: suggestion && DNS1123_LABEL.test(suggestion) && suggestion !== name ? suggestion : undefined,
  };
}

export function suggestRevisionName(name: string): string | undefined {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return s || undefined;
}
