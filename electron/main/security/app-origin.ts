// The app:// origin the renderer is served from: which URLs belong to it and which file each one names.

import { join, normalize, sep } from 'node:path';

/** A custom scheme instead of file:// so that the page gets a real origin ('self' in the CSP) and cannot read arbitrary files. */
export const appScheme = 'app';
export const appHost = 'airlock';
export const appOrigin = `${appScheme}://${appHost}`;
export const appEntryUrl = `${appOrigin}/index.html`;

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Whether `url` is a page or asset of the app itself (and not, say, app://other or a look-alike host). */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== undefined && parsed.protocol === `${appScheme}:` && parsed.host === appHost && parsed.username === '' && parsed.password === '';
}

/**
 * The file under `root` that an app:// URL names, or undefined when the URL is not ours or would step outside `root`
 * (`..`, encoded separators, NUL bytes). The bare origin serves index.html.
 */
export function resolveAppAsset(url: string, root: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  const parsed = new URL(url);
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  // A request that tries to climb is refused outright rather than clamped, so that it shows up as a 404.
  if (pathname.includes('\0') || pathname.includes('\\') || pathname.split('/').includes('..')) return undefined;
  const relative = normalize(pathname === '/' || pathname === '' ? '/index.html' : pathname).replace(/^[/\\]+/, '');
  if (relative === '' || relative === '.') return undefined;
  const full = join(root, relative);
  const base = root.endsWith(sep) ? root : root + sep;
  return full.startsWith(base) ? full : undefined;
}

/**
 * Whether the page may load `url` at all: its own app:// files and inline data: images. Everything else — http(s),
 * ws, file: — is cancelled before it leaves the process, so even injected markup cannot reach the network or disk.
 */
export function isAllowedRequest(url: string): boolean {
  if (isAppUrl(url)) return true;
  const parsed = parse(url);
  return parsed !== undefined && (parsed.protocol === 'data:' || parsed.protocol === 'devtools:');
}
