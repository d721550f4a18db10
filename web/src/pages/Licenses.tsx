import { Button, MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { ArrowClockwise20Regular } from '@fluentui/react-icons';
import { CopyCell } from '../components/CopyCell';
import { DataTable } from '../components/DataTable';
import { GraphErrorBar } from '../components/ErrorBar';
import { Loading, Page } from '../components/Page';
import { FREE_LICENSE, skuName } from '../format';
import { graph, type SubscribedSku } from '../graph';
import { useLoad } from '../hooks';

/** The tenant's licences (GET /v1.0/subscribedSkus). */
export function LicensesPage() {
  const skus = useLoad('subscribedSkus', graph.subscribedSkus);
  return (
    <Page
      title="Licences"
      subtitle="All products"
      actions={<Button icon={<ArrowClockwise20Regular />} onClick={skus.reload}>Refresh</Button>}
    >
      {skus.error ? <GraphErrorBar error={skus.error} title="The licences could not be read." /> : null}
      {skus.loading && !skus.data ? <Loading /> : null}
      {skus.data && skus.data.length === 0 ? (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>{FREE_LICENSE}</MessageBarTitle>
            This tenant has no licences. The sign-in logs need Microsoft Entra ID P1 or P2: an operator can
            assign one with <code>tenantry tenant license &lt;tenant&gt; P1</code>.
          </MessageBarBody>
        </MessageBar>
      ) : null}
      {skus.data && skus.data.length > 0 ? (
        <DataTable<SubscribedSku>
          label="Licences"
          items={skus.data}
          rowKey={(s) => s.id}
          columns={[
            { key: 'name', header: 'Name', cell: (s) => skuName(s.skuPartNumber) },
            { key: 'sku', header: 'SKU', cell: (s) => <CopyCell value={s.skuPartNumber} label={`SKU part number of ${skuName(s.skuPartNumber)}`} mono /> },
            { key: 'skuId', header: 'SKU ID', cell: (s) => <CopyCell value={s.skuId} label={`SKU ID of ${skuName(s.skuPartNumber)}`} mono /> },
            { key: 'total', header: 'Total', cell: (s) => s.prepaidUnits.enabled },
            { key: 'assigned', header: 'Assigned', cell: (s) => s.consumedUnits },
            { key: 'available', header: 'Available', cell: (s) => Math.max(0, s.prepaidUnits.enabled - s.consumedUnits) },
            { key: 'status', header: 'Status', cell: (s) => s.capabilityStatus },
            { key: 'plans', header: 'Service plans', cell: (s) => s.servicePlans.map((p) => p.servicePlanName).join(', ') },
          ]}
        />
      ) : null}
    </Page>
  );
}
