import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.js';
import { toYaml } from './objects.js';
import { parseOutput, printObjects } from './output.js';

const info = { kind: 'Deployment', group: 'apps' };
const web = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas: 2 },
};
const api = { ...web, metadata: { name: 'api' } };

describe('parseOutput', () => {
  it('knows kubectl formats and rejects others with the allowed list', () => {
    expect(parseOutput(undefined)).toEqual({ kind: 'table', wide: false });
    expect(parseOutput('wide')).toEqual({ kind: 'table', wide: true });
    expect(parseOutput('yaml').kind).toBe('yaml');
    expect(parseOutput('jsonpath={.a}').kind).toBe('jsonpath');
    expect(() => parseOutput('xml')).toThrow(CliError);
    expect(() => parseOutput('xml')).toThrow(/allowed formats are/);
    expect(() => parseOutput('jsonpath={.a')).toThrow(/error parsing jsonpath/);
  });
});

describe('printObjects', () => {
  it('prints one named object itself, several as a v1 List', () => {
    const one = JSON.parse(printObjects({ kind: 'json' }, [{ info, obj: web }], true)) as {
      kind: string;
    };
    expect(one.kind).toBe('Deployment');
    const many = printObjects(
      { kind: 'json' },
      [
        { info, obj: web },
        { info, obj: api },
      ],
      false,
    );
    expect(JSON.parse(many)).toMatchObject({
      kind: 'List',
      apiVersion: 'v1',
      metadata: { resourceVersion: '' },
    });
    expect(many.split('\n')[1]).toBe('    "apiVersion": "v1",');
  });

  it('prints -o name as kind.group/name', () => {
    expect(
      printObjects(
        { kind: 'name' },
        [
          { info, obj: web },
          { info: { kind: 'Service', group: '' }, obj: api },
        ],
        false,
      ),
    ).toBe('deployment.apps/web\nservice/api\n');
  });

  it('prints custom columns with <none> for missing values', () => {
    const f = parseOutput('custom-columns=NAME:.metadata.name,PAUSED:.spec.paused');
    if (f.kind === 'table') throw new Error('unexpected');
    expect(printObjects(f, [{ info, obj: web }], false)).toBe('NAME   PAUSED\nweb    <none>\n');
  });
});

describe('toYaml', () => {
  it('prints as kubectl: sorted keys, unindented sequences, quoted look-alikes, block text', () => {
    const y = toYaml({
      metadata: { name: 'x', annotations: { num: '123', b: 'true', e: '', c: 'a: b', t: 'a\tb' } },
      data: { script: '#!/bin/sh\necho hi\n' },
      items: [{ a: 1 }],
    });
    expect(y).toBe(
      [
        'data:',
        '  script: |',
        '    #!/bin/sh',
        '    echo hi',
        'items:',
        '- a: 1',
        'metadata:',
        '  annotations:',
        '    b: "true"',
        "    c: 'a: b'",
        '    e: ""',
        '    num: "123"',
        '    t: "a\\tb"',
        '  name: x',
        '',
      ].join('\n'),
    );
  });
});
