// The repository the person is looking at, shared by the snapshot browser and the restore wizard so switching screens keeps it.
import { create } from 'zustand';

interface SelectionState {
  repository: string | undefined;
  setRepository: (repository: string | undefined) => void;
}

export const useSelection = create<SelectionState>()((set) => ({
  repository: undefined,
  setRepository: (repository) => {
    set({ repository });
  },
}));
