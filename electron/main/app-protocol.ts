// Serves the renderer's built files on app://airlock with the CSP attached, instead of file:// which would expose the whole disk.

import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { contentTypeFor } from '../engine/ipc/renderer-file-types.ts';
import { appScheme, resolveAppAsset } from './security/app-origin.ts';
import { contentSecurityPolicy } from './security/content-security-policy.ts';

/** Must run before the app is ready: Chromium fixes a scheme's privileges at start-up. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    // standard + secure give the page a real origin ('self' in the CSP) and a secure context; corsEnabled lets
    // `<script type="module">` load from it. No bypassCSP, no service workers.
    { scheme: appScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } },
  ]);
}

const baseHeaders = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

/** Answers app:// requests from `root` (renderer/dist); anything outside it or missing is a 404. */
export function serveAppProtocol(root: string): void {
  protocol.handle(appScheme, async (request) => {
    const file = resolveAppAsset(request.url, root);
    if (file === undefined || request.method !== 'GET') return new Response('Not found', { status: 404, headers: baseHeaders });
    try {
      const body = await readFile(file);
      return new Response(body, { status: 200, headers: { ...baseHeaders, 'Content-Type': contentTypeFor(file) } });
    } catch {
      return new Response('Not found', { status: 404, headers: baseHeaders });
    }
  });
}
