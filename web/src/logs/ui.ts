import { makeStyles, tokens } from '@fluentui/react-components';

/** Layout shared by the activity-log pages: a wrapping filter bar, sections of the details. */
export const useLogPageStyles = makeStyles({
  tabs: { overflowX: 'auto', maxWidth: '100%' },
  filters: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'flex-end',
    gap: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
  },
  field: { flex: '1 1 180px', maxWidth: '280px', minWidth: '0', '@media (max-width: 480px)': { maxWidth: 'none' } },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  muted: { color: tokens.colorNeutralForeground3 },
  nowrap: { whiteSpace: 'nowrap' },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
  tableScroll: { overflowX: 'auto', maxWidth: '100%' },
});

const timeFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

/** A log time with seconds, in the browser's locale and time zone ('—' for none). */
export function formatLogTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : timeFormat.format(d);
}
