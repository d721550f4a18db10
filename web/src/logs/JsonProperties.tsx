import { makeStyles, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { PropertyList, type Property } from '../components/PropertyList';
import { flatten, type Json } from './csv';

const useStyles = makeStyles({
  pre: {
    margin: '0',
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    maxHeight: '320px',
    overflow: 'auto',
  },
});

const isScalar = (v: Json): v is string | number | boolean | null => v === null || typeof v !== 'object';

/** Identifiers (…Id, …id, correlationId, a bare id) get a copy button and a monospace font. */
const isIdentifier = (path: string) => /(^|\.)id$|Id$|Identifier$|KeyId$/.test(path);

/** A value as the details show it: '—' for nothing, lists of scalars joined, anything else as pretty JSON. */
export function JsonValue({ value }: { value: Json }): ReactNode {
  const styles = useStyles();
  if (value === null || value === '') return '—';
  if (isScalar(value)) return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '—';
    if (value.every(isScalar)) return value.map((v) => (v === null ? 'null' : String(v))).join(', ');
  } else if (Object.keys(value).length === 0) {
    return '—';
  }
  return <pre className={styles.pre}>{JSON.stringify(value, null, 2)}</pre>;
}

/**
 * Every property of a record (any JSON object): nested objects as dotted key paths
 * (`status.errorCode`, `deviceDetail.browser`), arrays of objects as pretty JSON.
 */
export function JsonProperties({ record }: { record: unknown }) {
  const items: Property[] = flatten(record).map(({ path, value }) => {
    const id = isIdentifier(path) && typeof value === 'string' && value !== '';
    return { label: path, value: <JsonValue value={value} />, ...(id ? { copy: value, mono: true } : {}) };
  });
  return <PropertyList items={items} />;
}
