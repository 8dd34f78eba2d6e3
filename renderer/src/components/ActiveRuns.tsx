// Every run the engine is doing (or just finished) as a progress card, optionally only those of one kind or one run.
import { Stack } from '@mantine/core';
import { useShallow } from 'zustand/react/shallow';
import type { RunKind } from '../../../shared/ipc/contract.ts';
import { finishedStates, useRuns } from '../store/runs.ts';
import { RunProgressCard } from './RunProgressCard.tsx';

interface ActiveRunsProps {
  readonly kinds?: readonly RunKind[];
  /** Finished runs stay (with their outcome) only for these kinds; default all. */
  readonly finishedKinds?: readonly RunKind[];
  readonly runId?: string;
  readonly onDone?: () => void;
}

export function ActiveRuns({ kinds, finishedKinds, runId, onDone }: ActiveRunsProps) {
  const runs = useRuns(useShallow((s) => Object.values(s.runs)));
  const shown = runs.filter(
    (r) =>
      (runId === undefined || r.runId === runId) &&
      (kinds === undefined || kinds.includes(r.kind)) &&
      (finishedKinds === undefined || !finishedStates.includes(r.state) || finishedKinds.includes(r.kind)),
  );
  if (shown.length === 0) return null;
  return (
    <Stack gap="sm" aria-live="polite">
      {shown.map((r) => (
        <RunProgressCard key={r.runId} run={r} {...(onDone ? { onDone } : {})} />
      ))}
    </Stack>
  );
}
