import { Button, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, makeStyles, mergeClasses, tokens, useRestoreFocusTarget } from '@fluentui/react-components';
import type { KeyboardEvent, ReactNode } from 'react';
import type { GraphError } from '../graph';
import { LogErrorBar, type LogName } from './LogErrorBar';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto', maxWidth: '100%' },
  // automatic layout: columns take what their content needs (a long UPN stays readable), and the
  // table scrolls sideways inside its container when that is wider than the screen
  table: { minWidth: '900px', tableLayout: 'auto' },
  cell: { overflowWrap: 'break-word' },
  row: {
    cursor: 'pointer',
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`, outlineOffset: '-2px' },
  },
  selected: { backgroundColor: tokens.colorNeutralBackground1Selected },
  footer: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalM },
  muted: { color: tokens.colorNeutralForeground3 },
});

export interface LogColumn<T> {
  key: string;
  header: string;
  cell: (item: T) => ReactNode;
  /** a CSS width for the column (otherwise it is as wide as its content needs) */
  width?: string;
}

/**
 * A log's records: a table that scrolls sideways inside its container on narrow screens. A row opens
 * the record's details on click, and on Enter or Space when it has the focus (every row is in the
 * tab order); closing the details puts the focus back on the row.
 */
export function LogTable<T>({ label, columns, items, rowKey, rowLabel, onOpen, selectedKey }: {
  label: string;
  columns: LogColumn<T>[];
  items: T[];
  rowKey: (item: T) => string;
  /** what a screen reader hears for the row, e.g. "Sign-in of alice@… at …" */
  rowLabel?: (item: T) => string;
  onOpen: (item: T) => void;
  selectedKey?: string | null;
}) {
  const styles = useStyles();
  // the details drawer gives the focus back to the row it was opened from (see DetailDrawer)
  const restoreFocusTarget = useRestoreFocusTarget();
  const onKeyDown = (e: KeyboardEvent<HTMLTableRowElement>, item: T) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onOpen(item);
    }
  };
  return (
    <div className={styles.scroll}>
      <Table aria-label={label} className={styles.table} size="small">
        <TableHeader>
          <TableRow>
            {columns.map((c) => <TableHeaderCell key={c.key} style={c.width ? { width: c.width } : undefined}>{c.header}</TableHeaderCell>)}
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.map((item) => {
            const key = rowKey(item);
            return (
              <TableRow
                key={key}
                {...restoreFocusTarget}
                tabIndex={0}
                className={mergeClasses(styles.row, selectedKey === key && styles.selected)}
                aria-label={rowLabel?.(item)}
                aria-selected={selectedKey === key ? true : undefined}
                onClick={() => onOpen(item)}
                onKeyDown={(e) => onKeyDown(e, item)}
              >
                {columns.map((c) => <TableCell key={c.key} className={styles.cell}>{c.cell(item)}</TableCell>)}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </div>
  );
}

/** Under the table: how many records are shown, and "Load more" while there is an `@odata.nextLink`. */
export function LoadMore({ count, hasMore, loadingMore, moreError, onLoadMore, what }: {
  count: number;
  hasMore: boolean;
  loadingMore: boolean;
  moreError: GraphError | undefined;
  onLoadMore: () => void;
  what: LogName;
}) {
  const styles = useStyles();
  return (
    <>
      {moreError ? <LogErrorBar error={moreError} what={what} context="The next page could not be loaded." /> : null}
      <div className={styles.footer}>
        <Text className={styles.muted} role="status">
          {count === 1 ? '1 record' : `${count.toLocaleString()} records`}{hasMore ? ' shown; more are available.' : '.'}
        </Text>
        {hasMore ? (
          <Button onClick={onLoadMore} disabled={loadingMore} icon={loadingMore ? <Spinner size="tiny" /> : undefined}>
            {loadingMore ? 'Loading…' : 'Load more'}
          </Button>
        ) : null}
      </div>
    </>
  );
}
