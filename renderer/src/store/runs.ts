// Runs the engine is doing or just finished, fed by run.progress and run.state events, so every screen shows the same bars.
import { create } from 'zustand';
import type { EventPayload, RunKind, RunState } from '../../../shared/ipc/contract.ts';
import type { AirlockClient } from '../api/client.ts';

export type RunProgress = EventPayload<'run.progress'>;

export interface TrackedRun {
  readonly runId: string;
  readonly kind: RunKind;
  readonly title: string;
  readonly state: RunState;
  readonly jobId: string | null;
  readonly progress: RunProgress | null;
  readonly message?: string;
  readonly summary?: string;
}

interface RunsState {
  runs: Readonly<Record<string, TrackedRun>>;
  /** Adds a run the moment it is started here, before its first event arrives. */
  started: (run: Pick<TrackedRun, 'runId' | 'kind' | 'title'> & { jobId?: string | null }) => void;
  progress: (p: RunProgress) => void;
  changed: (e: EventPayload<'run.state'>) => void;
  dismiss: (runId: string) => void;
}

export const finishedStates: readonly RunState[] = ['succeeded', 'partial', 'failed', 'cancelled'];

export const useRuns = create<RunsState>()((set) => ({
  runs: {},
  started: (run) => {
    set((s) => {
      const known = s.runs[run.runId];
      const tracked: TrackedRun = { ...known, runId: run.runId, kind: run.kind, title: run.title, jobId: run.jobId ?? known?.jobId ?? null, state: known?.state ?? 'queued', progress: known?.progress ?? null };
      return { runs: { ...s.runs, [run.runId]: tracked } };
    });
  },
  progress: (p) => {
    set((s) => {
      const known = s.runs[p.runId];
      return { runs: { ...s.runs, [p.runId]: { jobId: null, ...known, runId: p.runId, kind: p.kind, title: known?.title ?? p.title, state: known?.state === 'queued' || known === undefined ? 'running' : known.state, progress: p } } };
    });
  },
  changed: (e) => {
    set((s) => {
      const known = s.runs[e.runId];
      const run: TrackedRun = {
        runId: e.runId,
        kind: e.kind,
        // A title this window gave when it started the run is in the reader's language; the engine's is English.
        title: known?.title ?? e.title,
        state: e.state,
        jobId: known?.jobId ?? null,
        progress: known?.progress ?? null,
        ...(e.message === undefined ? {} : { message: e.message }),
        ...(e.summary === undefined ? {} : { summary: e.summary }),
      };
      return { runs: { ...s.runs, [e.runId]: run } };
    });
  },
  dismiss: (runId) => {
    set((s) => {
      const { [runId]: _gone, ...rest } = s.runs;
      return { runs: rest };
    });
  },
}));

/** Feeds the store from the engine: what is running now, then every event. Returns the unsubscribe. */
export function trackRuns(client: AirlockClient): () => void {
  const store = useRuns.getState();
  const offProgress = client.on('run.progress', store.progress);
  const offState = client.on('run.state', store.changed);
  void client.invoke('runs.active', {}).then(
    (active) => {
      for (const run of active) {
        store.started({ runId: run.runId, kind: run.kind, title: run.title, jobId: run.jobId });
        if (run.progress) store.progress(run.progress);
      }
    },
    () => undefined,
  );
  return () => {
    offProgress();
    offState();
  };
}
