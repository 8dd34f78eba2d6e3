// What the shell itself says (tray, quit and leave-the-app questions) in the app's two languages; the window's own text lives in the renderer.

export type ShellLanguage = 'en' | 'ar';

export function isShellLanguage(value: unknown): value is ShellLanguage {
  return value === 'en' || value === 'ar';
}

export interface ShellWording {
  allGood: string;
  attention: string;
  failing: string;
  allPaused: string;
  running: (title: string, percent: number | undefined) => string;
  next: (job: string, when: string) => string;
  noNext: string;
  backUpNow: string;
  noJobs: string;
  open: string;
  pauseAll: string;
  resumeAll: string;
  quit: string;
  schedulerElsewhere: string;
  paused: string;
  quitQuestion: (count: number) => string;
  quitDetail: string;
  quitAnyway: string;
  keepRunning: string;
  leaveQuestion: string;
  leaveCancel: string;
  leaveOpen: string;
}

export const shellWording: Readonly<Record<ShellLanguage, ShellWording>> = {
  en: {
    allGood: 'All backups are OK',
    attention: 'Backups need attention',
    failing: 'Backups are failing',
    allPaused: 'All jobs are paused',
    running: (title, percent) => (percent === undefined ? `${title}…` : `${title}: ${percent}%`),
    next: (job, when) => `Next: ${job}, ${when}`,
    noNext: 'No backup scheduled',
    backUpNow: 'Back up now',
    noJobs: 'No jobs yet',
    open: 'Open Airlock',
    pauseAll: 'Pause all jobs',
    resumeAll: 'Resume all jobs',
    quit: 'Quit Airlock',
    schedulerElsewhere: 'Scheduled by airlock daemon',
    paused: 'paused',
    quitQuestion: (count) => (count === 1 ? 'A backup, restore or check is still running. Quit anyway?' : `${count} backups, restores or checks are still running. Quit anyway?`),
    quitDetail: 'Quitting stops the work cleanly; a scheduled backup runs again at its next time, and earlier backups are not affected. Closing the window instead keeps Airlock working in the tray.',
    quitAnyway: 'Quit and stop it',
    keepRunning: 'Keep running',
    leaveQuestion: 'Open this link outside Airlock?',
    leaveCancel: 'Cancel',
    leaveOpen: 'Open link',
  },
  ar: {
    allGood: 'جميع النسخ الاحتياطية سليمة',
    attention: 'النسخ الاحتياطية تحتاج إلى انتباه',
    failing: 'النسخ الاحتياطية تفشل',
    allPaused: 'جميع المهام متوقفة مؤقتًا',
    running: (title, percent) => (percent === undefined ? `${title}…` : `${title}: ${percent}٪`),
    next: (job, when) => `التالي: ${job}، ${when}`,
    noNext: 'لا يوجد نسخ احتياطي مجدول',
    backUpNow: 'انسخ الآن',
    noJobs: 'لا توجد مهام بعد',
    open: 'افتح Airlock',
    pauseAll: 'أوقف جميع المهام مؤقتًا',
    resumeAll: 'استأنف جميع المهام',
    quit: 'أغلق Airlock',
    schedulerElsewhere: 'الجدولة يديرها airlock daemon',
    paused: 'متوقفة',
    quitQuestion: (count) => (count === 1 ? 'ما زالت عملية نسخ أو استعادة أو فحص جارية. هل تريد الإغلاق على أي حال؟' : `ما زالت ${count} من عمليات النسخ أو الاستعادة أو الفحص جارية. هل تريد الإغلاق على أي حال؟`),
    quitDetail: 'الإغلاق يوقف العمل بأمان؛ ويعمل النسخ المجدول من جديد في موعده التالي، ولا تتأثر النسخ السابقة. أما إغلاق النافذة فيُبقي Airlock يعمل في شريط النظام.',
    quitAnyway: 'أغلق وأوقف العمل',
    keepRunning: 'استمر في العمل',
    leaveQuestion: 'هل تريد فتح هذا الرابط خارج Airlock؟',
    leaveCancel: 'إلغاء',
    leaveOpen: 'افتحه',
  },
};
