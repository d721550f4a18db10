import { Field, Input, Select, makeStyles, tokens } from '@fluentui/react-components';
import { DATE_PRESETS, type DatePreset, type DateRange } from './odata';

const useStyles = makeStyles({
  root: { display: 'contents' },
  custom: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
  date: { minWidth: '150px' },
});

/**
 * "Date range": last 24 hours / 7 days / 30 days, or a custom interval (a start and an end day,
 * local time, the end day included). `onPreset` is called when a preset is chosen (the page applies
 * it at once); the custom days only change the range (the page applies them with its Apply button).
 */
export function DateRangeFilter({ value, onChange, onPreset, problem }: {
  value: DateRange;
  onChange: (range: DateRange) => void;
  onPreset?: (range: DateRange) => void;
  /** why the custom interval cannot be used, shown under it */
  problem?: string | null;
}) {
  const styles = useStyles();
  return (
    <div className={styles.root}>
      <Field label="Date range">
        <Select
          value={value.preset}
          onChange={(_e, d) => {
            const next = { ...value, preset: d.value as DatePreset };
            onChange(next);
            if (next.preset !== 'custom') onPreset?.(next);
          }}
        >
          {DATE_PRESETS.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
        </Select>
      </Field>
      {value.preset === 'custom' ? (
        <div className={styles.custom} role="group" aria-label="Custom time interval">
          <Field label="From" className={styles.date} validationMessage={problem ?? undefined} validationState={problem ? 'error' : 'none'}>
            <Input type="date" value={value.from} max={value.to || undefined} onChange={(_e, d) => onChange({ ...value, from: d.value })} />
          </Field>
          <Field label="To" className={styles.date}>
            <Input type="date" value={value.to} min={value.from || undefined} onChange={(_e, d) => onChange({ ...value, to: d.value })} />
          </Field>
        </div>
      ) : null}
    </div>
  );
}
