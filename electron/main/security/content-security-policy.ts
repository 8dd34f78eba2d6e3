// The Content-Security-Policy every response to the app carries: only the app's own bundled code, no network, no frames.

/**
 * `style-src` allows inline styles because the component library (Mantine) writes its CSS variables into a
 * `<style>` element and style attributes at run time; scripts stay 'self' only, which is what keeps injected
 * markup from running. `connect-src 'self'` lets the page fetch its own bundled files (translations) and nothing else.
 */
const directives: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'none'"],
  ['script-src', "'self'"],
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' data:"],
  ['font-src', "'self'"],
  ['connect-src', "'self'"],
  ['object-src', "'none'"],
  ['frame-src', "'none'"],
  ['worker-src', "'none'"],
  ['frame-ancestors', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

export const contentSecurityPolicy = directives.map(([name, value]) => `${name} ${value}`).join('; ');

/**
 * Response headers with our CSP in place of any the response brought, whatever the header's case
 * (Chromium hands header names over as the server spelled them).
 */
export function withContentSecurityPolicy(headers: Readonly<Record<string, string[]>> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = [contentSecurityPolicy];
  return out;
}
