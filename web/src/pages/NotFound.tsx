import { Link, Text } from '@fluentui/react-components';
import { Page } from '../components/Page';
import { href } from '../router';

export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <Text>
        There is no such page in the portal. Go to the <Link href={href('overview')}>overview</Link>.
      </Text>
    </Page>
  );
}
