import { Button, Menu, MenuItem, MenuList, MenuPopover, MenuTrigger, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { ArrowDownload20Regular } from '@fluentui/react-icons';
import { useRef, useState, type ReactNode } from 'react';
import { toGraphError, type GraphError } from '../graph';
import { MAX_DOWNLOAD_RECORDS, downloadContent, downloadFileName, fetchAllPages, saveFile, type DownloadFormat } from './download';
import { LogErrorBar, type LogName } from './LogErrorBar';

const useStyles = makeStyles({
  status: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
});

type Outcome =
  | { kind: 'busy'; count: number }
  | { kind: 'done'; text: string }
  | { kind: 'failed'; error: GraphError };

/**
 * "Download" → CSV or JSON: every record of the current filter (`url` is the first page's URL,
 * with `$top=1000`), following the nextLinks, saved as `<prefix>_<date>.csv|json`. Gives the menu
 * button and, for under the filters, the progress / outcome (a live region).
 */
export function useLogDownload({ url, prefix, what }: { url: string | null; prefix: string; what: LogName }): { menu: ReactNode; status: ReactNode } {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const cancel = useRef<{ cancelled: boolean } | null>(null);
  const busy = outcome?.kind === 'busy';

  const run = async (format: DownloadFormat) => {
    if (!url || busy) return;
    const signal = { cancelled: false };
    cancel.current = signal;
    setOutcome({ kind: 'busy', count: 0 });
    try {
      const r = await fetchAllPages<unknown>(url, { signal, onProgress: (count) => { if (!signal.cancelled) setOutcome({ kind: 'busy', count }); } });
      if (r.cancelled) {
        setOutcome({ kind: 'done', text: 'Download cancelled.' });
        return;
      }
      const name = downloadFileName(prefix, format);
      const { text, type } = downloadContent(r.items, format);
      saveFile(name, text, type);
      const n = r.items.length;
      setOutcome({
        kind: 'done',
        text: `Downloaded ${n === 1 ? '1 record' : `${n.toLocaleString()} records`} as ${name}.` +
          (r.truncated ? ` Downloads stop at ${MAX_DOWNLOAD_RECORDS.toLocaleString()} records: narrow the filters for the rest.` : ''),
      });
    } catch (err) {
      setOutcome({ kind: 'failed', error: toGraphError(err) });
    } finally {
      if (cancel.current === signal) cancel.current = null;
    }
  };

  const menu = (
    <Menu>
      <MenuTrigger disableButtonEnhancement>
        <Button icon={<ArrowDownload20Regular />} disabled={!url || busy}>Download</Button>
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          <MenuItem onClick={() => { void run('csv'); }}>CSV</MenuItem>
          <MenuItem onClick={() => { void run('json'); }}>JSON</MenuItem>
        </MenuList>
      </MenuPopover>
    </Menu>
  );
  const status = <DownloadStatus outcome={outcome} what={what} onCancel={() => { if (cancel.current) cancel.current.cancelled = true; }} />;
  return { menu, status };
}

function DownloadStatus({ outcome, what, onCancel }: { outcome: Outcome | null; what: LogName; onCancel: () => void }) {
  const styles = useStyles();
  if (!outcome) return <span role="status" />;
  if (outcome.kind === 'failed') return <LogErrorBar error={outcome.error} what={what} context="The download failed." />;
  return (
    <span className={styles.status} role="status">
      {outcome.kind === 'busy' ? (
        <>
          <Spinner size="tiny" />
          <Text>Downloading… {outcome.count.toLocaleString()} records so far</Text>
          <Button size="small" onClick={onCancel}>Cancel download</Button>
        </>
      ) : <Text>{outcome.text}</Text>}
    </span>
  );
}
