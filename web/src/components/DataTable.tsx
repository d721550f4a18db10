import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, makeStyles } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  scroll: { overflowX: 'auto', maxWidth: '100%' },
  table: { minWidth: '560px' },
});

export interface Column<T> {
  key: string;
  header: string;
  cell: (item: T) => ReactNode;
  width?: string;
}

/** A plain table that scrolls sideways on narrow screens. */
export function DataTable<T>({ label, columns, items, rowKey }: { label: string; columns: Column<T>[]; items: T[]; rowKey: (item: T) => string }) {
  const styles = useStyles();
  return (
    <div className={styles.scroll}>
      <Table aria-label={label} className={styles.table} size="small">
        <TableHeader>
          <TableRow>
            {columns.map((c) => (
              <TableHeaderCell key={c.key} style={c.width ? { width: c.width } : undefined}>{c.header}</TableHeaderCell>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.map((item) => (
            <TableRow key={rowKey(item)}>
              {columns.map((c) => (
                <TableCell key={c.key}>{c.cell(item)}</TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
