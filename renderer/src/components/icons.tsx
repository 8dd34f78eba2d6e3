// The few icons the app uses, drawn inline (no icon font, nothing remote); arrows flip in right-to-left layouts.
import type { SVGProps } from 'react';

type IconProps = SVGProps<SVGSVGElement> & { readonly size?: number };

function Svg({ size = 18, children, ...rest }: IconProps) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" {...rest}>
      {children}
    </svg>
  );
}

export const CheckIcon = (p: IconProps) => <Svg {...p}><path d="M5 12l5 5L20 7" /></Svg>;
export const WarningIcon = (p: IconProps) => <Svg {...p}><path d="M12 3l10 18H2L12 3z" /><path d="M12 10v5M12 18h.01" /></Svg>;
export const ErrorIcon = (p: IconProps) => <Svg {...p}><circle cx="12" cy="12" r="9" /><path d="M9 9l6 6M15 9l-6 6" /></Svg>;
export const InfoIcon = (p: IconProps) => <Svg {...p}><circle cx="12" cy="12" r="9" /><path d="M12 11v6M12 7h.01" /></Svg>;
export const FolderIcon = (p: IconProps) => <Svg {...p}><path d="M3 6h6l2 2h10v11H3z" /></Svg>;
export const FileIcon = (p: IconProps) => <Svg {...p}><path d="M6 3h8l4 4v14H6z" /><path d="M14 3v4h4" /></Svg>;
export const DatabaseIcon = (p: IconProps) => <Svg {...p}><ellipse cx="12" cy="6" rx="7" ry="3" /><path d="M5 6v12c0 1.7 3.1 3 7 3s7-1.3 7-3V6M5 12c0 1.7 3.1 3 7 3s7-1.3 7-3" /></Svg>;
export const DriveIcon = (p: IconProps) => <Svg {...p}><rect x="3" y="8" width="18" height="8" rx="2" /><path d="M7 12h.01M11 12h6" /></Svg>;
export const HomeIcon = (p: IconProps) => <Svg {...p}><path d="M3 11l9-7 9 7v9H3z" /></Svg>;
export const JobsIcon = (p: IconProps) => <Svg {...p}><circle cx="12" cy="12" r="9" /><path d="M12 7v5l3 2" /></Svg>;
export const SnapshotIcon = (p: IconProps) => <Svg {...p}><path d="M4 7h4l2-3h4l2 3h4v12H4z" /><circle cx="12" cy="13" r="3" /></Svg>;
export const RestoreIcon = (p: IconProps) => <Svg {...p}><path d="M4 12a8 8 0 1 0 2.3-5.6" /><path d="M4 4v4h4" /></Svg>;
export const ActivityIcon = (p: IconProps) => <Svg {...p}><path d="M3 12h4l3-7 4 14 3-7h4" /></Svg>;
export const SettingsIcon = (p: IconProps) => <Svg {...p}><circle cx="12" cy="12" r="3" /><path d="M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M4.9 19.1L7 17M17 7l2.1-2.1" /></Svg>;
export const KeyIcon = (p: IconProps) => <Svg {...p}><circle cx="8" cy="15" r="4" /><path d="M11 12l9-9M17 6l3 3" /></Svg>;

/** Points "forward" in reading order: right in English, left in Arabic. */
export const ForwardIcon = (p: IconProps) => <Svg className="airlock-flip-rtl" {...p}><path d="M9 5l7 7-7 7" /></Svg>;
export const BackIcon = (p: IconProps) => <Svg className="airlock-flip-rtl" {...p}><path d="M15 5l-7 7 7 7" /></Svg>;
