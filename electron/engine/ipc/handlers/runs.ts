// Run channels: what is running or waiting now, and cancelling one.

import type { HandlerMap } from '../handler.ts';

export const runHandlers: HandlerMap<'runs.cancel' | 'runs.active'> = {
  'runs.cancel'(engine, { runId }) {
    return Promise.resolve({ cancelled: engine.runs.cancel(runId) });
  },
  'runs.active'(engine) {
    return Promise.resolve(engine.runs.list());
  },
};
