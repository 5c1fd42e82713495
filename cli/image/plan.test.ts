import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './dockerfile.js';
import { isDockerfileError } from './errors.js';
import { planBuild, type BuildPlan } from './plan.js';
import type { ImageConfig } from '../../runtime-shim/images/index.js';

function plan(lines: string[], base: ImageConfig = {}): BuildPlan {
  return planBuild(parseDockerfile(lines.join('\n')), base);
}

function planError(lines: string[]): string {
  try {
    plan(lines);
  } catch (e) {
    if (isDockerfileError(e)) return e.message;
    throw e;
  }
  throw new Error('planned without error');
}

describe('planBuild', () => {
  it('evolves the config and expands variables where Docker does', () => {
    const p = plan(
      [
        'FROM busybox',
        'ENV APP=/srv/app NAME="my app"',
        'ENV OLD=$APP APP=/opt/app NEXT=$APP',
        'WORKDIR $APP',
        'WORKDIR sub',
        'LABEL name="$NAME" version=1',
        'EXPOSE 8080 ${PORT:-9090}/udp 7000-7001',
        'USER 1000:1000',
        'STOPSIGNAL SIGINT',
        'COPY --chown=app src/ ./',
        'RUN echo $APP',
        'CMD ["serve", "$APP"]',
      ],
      { env: ['PATH=/bin', 'APP=/base'], cmd: ['sh'] },
    );
    expect(p.base).toBe('busybox');
    expect(p.config).toEqual({
      env: ['PATH=/bin', 'APP=/opt/app', 'NAME=my app', 'OLD=/srv/app', 'NEXT=/srv/app'],
      cmd: ['serve', '$APP'],
      workingDir: '/opt/app/sub',
      labels: { name: 'my app', version: '1' },
      exposedPorts: ['7000/tcp', '7001/tcp', '8080/tcp', '9090/udp'],
      user: '1000:1000',
      stopSignal: 'SIGINT',
    });
    expect(p.steps.map((s) => s.kind)).toEqual([
      'config',
      'config',
      'workdir',
      'workdir',
      'config',
      'config',
      'config',
      'config',
      'copy',
      'run',
      'config',
    ]);
    expect(p.steps[2]).toMatchObject({ path: '/opt/app', line: 4 });
    expect(p.steps[8]).toMatchObject({
      sources: ['src/'],
      dest: '/opt/app/sub',
      destIsDir: true,
      chown: 'app',
      user: '1000:1000',
    });
    // RUN is left to the shell, with the environment and user of its point in the file.
    expect(p.steps[9]).toMatchObject({
      args: ['/bin/sh', '-c', 'echo $APP'],
      env: ['PATH=/bin', 'APP=/opt/app', 'NAME=my app', 'OLD=/srv/app', 'NEXT=/srv/app'],
      user: '1000:1000',
      workdir: '/opt/app/sub',
      createdBy: 'RUN /bin/sh -c echo $APP',
    });
    expect(p.steps[10]?.createdBy).toBe('CMD ["serve", "$APP"]');
  });

  it('runs shell forms under SHELL, and ENTRYPOINT drops an inherited CMD', () => {
    const p = plan(['FROM x', 'SHELL ["/bin/bash", "-ec"]', 'RUN a', 'ENTRYPOINT b'], {
      cmd: ['sh'],
    });
    expect(p.steps[1]).toMatchObject({ args: ['/bin/bash', '-ec', 'a'] });
    expect(p.config.entrypoint).toEqual(['/bin/bash', '-ec', 'b']);
    expect(p.config.cmd).toBeUndefined();
    const q = plan(['FROM x', 'CMD ["x"]', 'ENTRYPOINT ["e"]'], { cmd: ['sh'] });
    expect(q.config).toMatchObject({ cmd: ['x'], entrypoint: ['e'] });
  });

  it('keeps the destination of COPY as a file or directory as written', () => {
    const p = plan(['FROM x', 'WORKDIR /w', 'COPY a b', 'COPY a b/', 'ADD a.tar /abs']);
    expect(p.steps[1]).toMatchObject({ dest: '/w/b', destIsDir: false, add: false });
    expect(p.steps[2]).toMatchObject({ dest: '/w/b', destIsDir: true });
    expect(p.steps[3]).toMatchObject({ dest: '/abs', add: true });
  });

  it('refuses bad arguments with their line', () => {
    expect(planError(['FROM x', 'EXPOSE 80/tcpx'])).toMatch(/^Dockerfile:2: EXPOSE 80\/tcpx/);
    expect(planError(['FROM x', 'EXPOSE 70000'])).toMatch(/ports go from 1 to 65535/);
    expect(planError(['FROM x', 'COPY a b c'])).toMatch(
      /^Dockerfile:2: COPY with more than one source needs a directory/,
    );
    expect(planError(['FROM x', 'ADD https://example.com/x.tgz /'])).toMatch(
      /adding from a URL is not supported/,
    );
    expect(planError(['FROM x', 'COPY --chmod=9 a /b'])).toMatch(/--chmod=9/);
    expect(planError(['FROM x', 'USER a:b:c'])).toMatch(/Dockerfile:2: USER "a:b:c"/);
    expect(planError(['FROM x', '', 'WORKDIR ${NOPE:?is required}'])).toMatch(
      /^Dockerfile:3: WORKDIR: NOPE: is required/,
    );
  });
});
