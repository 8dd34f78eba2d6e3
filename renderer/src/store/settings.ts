// Appearance and language preferences, kept in the window's localStorage so they apply before the engine answers.
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { preferredLanguage, type Language } from '../i18n/languages.ts';

export type ThemeChoice = 'system' | 'light' | 'dark';

interface SettingsState {
  language: Language;
  theme: ThemeChoice;
  setLanguage: (language: Language) => void;
  setTheme: (theme: ThemeChoice) => void;
}

export const useSettings = create<SettingsState>()(
  persist(
    (set) => ({
      language: preferredLanguage(typeof navigator === 'undefined' ? [] : navigator.languages),
      theme: 'system',
      setLanguage: (language) => {
        set({ language });
      },
      setTheme: (theme) => {
        set({ theme });
      },
    }),
    { name: 'airlock.settings', storage: createJSONStorage(() => localStorage), partialize: ({ language, theme }) => ({ language, theme }) },
  ),
);
