import { Button, Field, Input, Link, Text, makeStyles } from '@fluentui/react-components';
import { ArrowClockwise20Regular, Search20Regular } from '@fluentui/react-icons';
import { useState } from 'react';
import { DataTable } from '../components/DataTable';
import { GraphErrorBar } from '../components/ErrorBar';
import { Loading, Page } from '../components/Page';
import { directory, type RoleDefinition } from '../directory';
import { useLoad } from '../hooks';
import { href } from '../router';

const useStyles = makeStyles({
  filter: { maxWidth: '480px' },
});

/** How many assignments each role definition has (by roleDefinitionId, lower-cased). */
export function countByRole(assignments: { roleDefinitionId: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of assignments) {
    const k = a.roleDefinitionId.toLowerCase();
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/**
 * "Roles and administrators" (`#/roles`): the directory's role definitions and how many
 * assignments each has (GET roleAssignments, every page, grouped by roleDefinitionId).
 */
export function RolesPage() {
  const styles = useStyles();
  const definitions = useLoad('roleDefinitions', directory.roleDefinitions);
  const assignments = useLoad('roleAssignments', () => directory.roleAssignments());
  const [filter, setFilter] = useState('');
  const counts = assignments.data ? countByRole(assignments.data) : null;
  const needle = filter.trim().toLowerCase();
  const items = (definitions.data ?? []).filter((d) => !needle || d.displayName.toLowerCase().includes(needle));

  return (
    <Page
      title="Roles and administrators"
      actions={<Button icon={<ArrowClockwise20Regular />} onClick={() => { definitions.reload(); assignments.reload(); }}>Refresh</Button>}
    >
      <Field label="Filter by role name" className={styles.filter}>
        <Input value={filter} onChange={(_e, d) => setFilter(d.value)} contentBefore={<Search20Regular />} />
      </Field>
      {definitions.error ? <GraphErrorBar error={definitions.error} title="The role definitions could not be read." /> : null}
      {assignments.error ? <GraphErrorBar error={assignments.error} title="The role assignments could not be read." /> : null}
      {definitions.loading && !definitions.data ? <Loading /> : null}
      {definitions.data ? (
        <>
          <Text>{items.length} role{items.length === 1 ? '' : 's'}</Text>
          {items.length > 0 ? (
            <DataTable<RoleDefinition>
              label="Roles"
              items={items}
              rowKey={(d) => d.id}
              columns={[
                { key: 'role', header: 'Role', cell: (d) => <Link href={href('roles', d.id)}>{d.displayName}</Link>, width: '30%' },
                { key: 'description', header: 'Description', cell: (d) => d.description },
                {
                  key: 'count', header: 'Assignments', width: '120px',
                  cell: (d) => (counts ? String(counts.get(d.id.toLowerCase()) ?? 0) : assignments.loading ? '…' : '—'),
                },
              ]}
            />
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
