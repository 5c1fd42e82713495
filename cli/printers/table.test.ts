import { describe, expect, it } from 'vitest';
import type { Table } from '../../controlplane/api/types/index.js';
import { formatCell, formatLabels, printTable } from './table.js';
import { alignRows } from './tabwriter.js';

const col = (name: string, priority = 0, format = '') => ({
  name,
  type: 'string' as const,
  format,
  description: '',
  priority,
});

const deployments: Table = {
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  metadata: {},
  columnDefinitions: [
    col('Name', 0, 'name'),
    col('Ready'),
    col('Up-to-date'),
    col('Available'),
    col('Age'),
    col('Containers', 1),
    col('Images', 1),
    col('Selector', 1),
  ],
  rows: [
    {
      cells: ['web', '0/3', 0, 0, '5m', 'web', 'nginx:1.27', 'app=web'],
      object: {
        metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'fe' } },
      },
    },
    {
      cells: ['a-much-longer-name', '1/1', 1, 1, '2d', 'api', 'api:2', 'app=api'],
      object: { metadata: { name: 'a-much-longer-name', namespace: 'shop' } },
    },
  ],
};

describe('tab alignment', () => {
  it('pads every column but the last to its widest cell plus 3, at least 6', () => {
    expect(
      alignRows([
        ['NAME', 'A', 'LAST'],
        ['x', 'bb', 'z'],
      ]),
    ).toBe('NAME   A     LAST\nx      bb    z\n');
  });

  it('remembers widths across calls and only grows them', () => {
    const widths: number[] = [];
    alignRows([['NAME', 'AGE']], widths);
    expect(alignRows([['a-long-name', '1s']], widths)).toBe('a-long-name   1s\n');
    expect(alignRows([['x', '1s']], widths)).toBe('x             1s\n');
  });
});

describe('printTable', () => {
  it('prints priority-0 columns with upper-case headers', () => {
    expect(printTable(deployments)).toBe(
      'NAME                 READY   UP-TO-DATE   AVAILABLE   AGE\n' +
        'web                  0/3     0            0           5m\n' +
        'a-much-longer-name   1/1     1            1           2d\n',
    );
  });

  it('adds wide columns, NAMESPACE, kind prefixes and LABELS as kubectl decorates them', () => {
    const out = printTable(deployments, {
      wide: true,
      withNamespace: true,
      kindPrefix: 'deployment.apps',
      showLabels: true,
    });
    const lines = out.split('\n');
    expect(lines[0]).toMatch(
      /^NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\s+LABELS$/,
    );
    expect(lines[1]).toMatch(
      /^default\s+deployment\.apps\/web\s+0\/3 .*nginx:1\.27\s+app=web\s+app=web,tier=fe$/,
    );
    expect(lines[2]).toMatch(/^shop\s+deployment\.apps\/a-much-longer-name .*<none>$/);
  });

  it('adds -L label columns named by the key after its last slash', () => {
    const out = printTable(deployments, { labelColumns: ['tier', 'example.com/owner'] });
    expect(out.split('\n')[0]).toMatch(/AGE\s+TIER\s+OWNER$/);
    expect(out.split('\n')[1]).toMatch(/5m\s+fe\s+$/);
  });

  it('prints nothing at all for an empty table, and no header with noHeaders', () => {
    expect(printTable({ ...deployments, rows: [] })).toBe('');
    expect(printTable(deployments, { noHeaders: true }).split('\n')[0]).toMatch(/^web\s/);
  });

  it('cuts cells at their first line break and formats labels', () => {
    expect(formatCell('first\nsecond')).toBe('first...');
    expect(formatCell(3)).toBe('3');
    expect(formatCell(true)).toBe('true');
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(formatLabels({})).toBe('<none>');
  });
});
