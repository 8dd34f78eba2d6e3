// The hardened webPreferences of every Airlock window: an isolated, sandboxed renderer with no Node and no way to load other code.

// Type-only import: erased at run time, so this module (and its test) runs under plain Node.
import type { WebPreferences } from 'electron';

/** `devTools` only for development builds: in the installed app nobody should be talked into pasting code there. */
export function hardenedWebPreferences(preload: string, options: { devTools: boolean }): WebPreferences {
  return {
    preload,
    devTools: options.devTools,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    // Spell-check dictionaries are downloaded from Google's servers on first use.
    spellcheck: false,
    safeDialogs: true,
  };
}
