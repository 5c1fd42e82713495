import { describe, expect, it } from 'vitest';
import { parseDockerfile, type Instruction } from './dockerfile.js';
import { isDockerfileError } from './errors.js';

function parse(text: string): Instruction[] {
  return parseDockerfile(text).instructions;
}

function parseError(text: string): { line: number; message: string } {
  try {
    parseDockerfile(text);
  } catch (e) {
    if (isDockerfileError(e)) return { line: e.line, message: e.message };
    throw e;
  }
  throw new Error('parsed without error');
}

describe('parseDockerfile', () => {
  it('reads every supported instruction, in any case, with their line numbers', () => {
    const ins = parse(
      [
        '# syntax=docker/dockerfile:1',
        'FROM busybox AS base',
        '',
        'run echo hi',
        'CMD ["sh", "-c", "echo $HOME"]',
        'ENTRYPOINT /bin/app --flag',
        'COPY --chown=app:app --chmod=640 a.txt "b c.txt" /dst/',
        'ADD ["x.tar.gz", "/opt/"]',
        'ENV A=1 B="two words"',
        'ENV LEGACY the rest of the line',
        'LABEL org.example.v=1',
        'EXPOSE 8080 53/udp',
        'USER app:app',
        'WORKDIR /srv',
        'STOPSIGNAL SIGINT',
        'SHELL ["/bin/bash", "-c"]',
      ].join('\n'),
    );
    expect(ins.map((i) => [i.line, i.kind])).toEqual([
      [2, 'FROM'],
      [4, 'RUN'],
      [5, 'CMD'],
      [6, 'ENTRYPOINT'],
      [7, 'COPY'],
      [8, 'ADD'],
      [9, 'ENV'],
      [10, 'ENV'],
      [11, 'LABEL'],
      [12, 'EXPOSE'],
      [13, 'USER'],
      [14, 'WORKDIR'],
      [15, 'STOPSIGNAL'],
      [16, 'SHELL'],
    ]);
    expect(ins[0]).toMatchObject({ image: 'busybox', stage: 'base' });
    expect(ins[1]).toMatchObject({ command: { form: 'shell', command: 'echo hi' } });
    expect(ins[2]).toMatchObject({ command: { form: 'exec', args: ['sh', '-c', 'echo $HOME'] } });
    expect(ins[3]).toMatchObject({ command: { form: 'shell', command: '/bin/app --flag' } });
    expect(ins[4]).toMatchObject({
      flags: { chown: 'app:app', chmod: '640' },
      args: ['a.txt', '"b c.txt"', '/dst/'],
      json: false,
    });
    expect(ins[5]).toMatchObject({ args: ['x.tar.gz', '/opt/'], json: true });
    expect(ins[6]).toMatchObject({
      pairs: [
        { key: 'A', value: '1' },
        { key: 'B', value: '"two words"' },
      ],
    });
    expect(ins[7]).toMatchObject({ pairs: [{ key: 'LEGACY', value: 'the rest of the line' }] });
    expect(ins[11]).toMatchObject({ arg: '/srv' });
    expect(ins[13]).toMatchObject({ shell: ['/bin/bash', '-c'] });
  });

  it('joins continued lines, dropping comment and blank lines inside them', () => {
    const ins = parse(
      [
        'FROM scratch',
        'RUN echo one \\',
        '  # a comment in the middle',
        '',
        '    && echo two \\   ',
        '    && echo three',
        'CMD ["a", \\',
        ' "b"]',
      ].join('\n'),
    );
    expect(ins[1]).toMatchObject({
      line: 2,
      command: { form: 'shell', command: 'echo one     && echo two     && echo three' },
    });
    expect(ins[2]).toMatchObject({ line: 7, command: { form: 'exec', args: ['a', 'b'] } });
  });

  it('honours the escape directive', () => {
    const { instructions, escape } = parseDockerfile(
      ['# escape=`', 'FROM scratch', 'COPY C:\\a `', '  /dst/'].join('\r\n'),
    );
    expect(escape).toBe('`');
    expect(instructions[1]).toMatchObject({ args: ['C:\\a', '/dst/'] });
  });

  it('treats a directive after the first instruction as a comment', () => {
    expect(parse('FROM scratch\n# escape=`\nRUN a \\\n b')[1]).toMatchObject({
      command: { command: 'a  b' },
    });
  });

  it('takes an invalid JSON array as the shell form', () => {
    expect(parse('FROM scratch\nCMD [not json]')[1]).toMatchObject({
      command: { form: 'shell', command: '[not json]' },
    });
  });

  it('names the line of an unknown instruction', () => {
    expect(parseError('FROM scratch\n\nRUN true\n\n\n\nFOO bar')).toEqual({
      line: 7,
      message: 'Dockerfile:7: unknown instruction "FOO"',
    });
  });

  it('says clearly what is not supported', () => {
    expect(parseError('ARG V=1\nFROM scratch').message).toMatch(
      /^Dockerfile:1: ARG: build arguments are not supported/,
    );
    expect(parseError('FROM a\nFROM b').message).toBe(
      'Dockerfile:2: multi-stage builds (a second FROM) are not supported',
    );
    expect(parseError('FROM a\nCOPY --from=a x y').message).toMatch(/--from is not supported/);
    expect(parseError('FROM a\nRUN --mount=type=cache,target=/x true').message).toMatch(
      /Dockerfile:2: RUN --mount: flags are not supported/,
    );
    expect(parseError('FROM --platform=linux/arm64 a').message).toMatch(/--platform/);
    expect(parseError('FROM a\nHEALTHCHECK CMD true').message).toMatch(/HEALTHCHECK is not/);
  });

  it('refuses malformed instructions with their line', () => {
    expect(parseError('RUN true').message).toBe(
      'Dockerfile:1: the first instruction must be FROM, not RUN',
    );
    expect(parseError('# only a comment\n').message).toMatch(/no instructions/);
    expect(parseError('FROM a b').message).toMatch(/Dockerfile:1: FROM needs one image/);
    expect(parseError('FROM a\nCOPY onlyone').message).toMatch(/Dockerfile:2: COPY needs at least/);
    expect(parseError('FROM a\nENV A=1 B').message).toMatch(/Dockerfile:2: ENV: can't find =/);
    expect(parseError('FROM a\nENV ONLYKEY').message).toMatch(/ENV ONLYKEY needs a value/);
    expect(parseError('FROM a\n\nENV A="open').message).toMatch(/Dockerfile:3: ENV: unclosed "/);
    expect(parseError('FROM a\nSHELL /bin/bash').message).toMatch(/SHELL needs the JSON form/);
    expect(parseError('FROM a\nWORKDIR').message).toMatch(/WORKDIR needs an argument/);
    expect(parseError('FROM a\nCOPY --chown x y').message).toMatch(/--chown needs a value/);
    expect(parseError('# escape=x\nFROM a').message).toMatch(/Dockerfile:1: invalid escape/);
  });
});
