import { useState, type FormEvent } from 'react';
import { dateRangeBounds, type DateRange } from './odata';

export interface LogFilters<F extends { range: DateRange }> {
  /** what the form shows */
  draft: F;
  setDraft: (next: F) => void;
  /** what the list shows, and when it was applied (relative date ranges end then) */
  applied: { filters: F; at: number };
  /** why the draft's date range cannot be applied */
  problem: string | null;
  clearProblem: () => void;
  /** applies `next` (a custom date range must be complete) */
  apply: (next: F) => void;
  /** the form's submit: applies the draft */
  submit: (e: FormEvent) => void;
  /** the same filters again, now: `reload` fetches a list whose URL would not change (a custom range) */
  refresh: (reload: () => void) => void;
}

/** The filter state both log pages share: a draft in the form, the applied filters, and Refresh. */
export function useLogFilters<F extends { range: DateRange }>(initial: F): LogFilters<F> {
  const [draft, setDraft] = useState<F>(initial);
  const [applied, setApplied] = useState<{ filters: F; at: number }>(() => ({ filters: initial, at: Date.now() }));
  const [problem, setProblem] = useState<string | null>(null);
  const apply = (next: F) => {
    setDraft(next);
    const b = dateRangeBounds(next.range, new Date());
    if ('problem' in b) {
      setProblem(b.problem);
      return;
    }
    setProblem(null);
    setApplied({ filters: next, at: Date.now() });
  };
  return {
    draft, setDraft, applied, problem, apply,
    clearProblem: () => setProblem(null),
    submit: (e) => {
      e.preventDefault();
      apply(draft);
    },
    // a relative range ends at `at`, so a new `at` is a new URL and the list fetches once; a custom
    // range's URL stays the same, so the list is told to reload instead (never both: one request)
    refresh: (reload) => {
      if (applied.filters.range.preset === 'custom') reload();
      else setApplied((a) => ({ ...a, at: Date.now() }));
    },
  };
}
