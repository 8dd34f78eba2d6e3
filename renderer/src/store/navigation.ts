// Which screen is showing, and what it was opened for (a job to edit, a snapshot to restore from).
import { create } from 'zustand';

export type Screen = 'dashboard' | 'repositories' | 'jobs' | 'snapshots' | 'restore' | 'activity' | 'settings' | 'first-run';

export interface ScreenContext {
  readonly jobId?: string;
  readonly repositoryId?: string;
  readonly snapshotId?: string;
}

interface NavigationState {
  screen: Screen;
  context: ScreenContext;
  go: (screen: Screen, context?: ScreenContext) => void;
}

export const useNavigation = create<NavigationState>()((set) => ({
  screen: 'dashboard',
  context: {},
  go: (screen, context = {}) => {
    set({ screen, context });
  },
}));
